"""Operation: the live Redis: the key schema, what redis-server starts with, and `smoke`."""
