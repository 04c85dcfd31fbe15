"""The inventory in GraphQL: stock counts per campus and item, the procurement pipeline,
repairs and keys, the catalogue, room assets, compensation charges and stock-takes."""
