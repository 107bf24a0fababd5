"""Storage: the SQLModel schema, connections (SQLite or PostgreSQL) and the queries on them."""
