"""The directory in GraphQL: districts, schools, terms, campuses, classes, staff, students, parents."""
