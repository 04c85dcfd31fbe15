"""The staff appraisal in GraphQL: monthly appraisal totals, appraisals with their items and
history, a worker's trend, the rule book, proposals, contests, awards and honours."""
