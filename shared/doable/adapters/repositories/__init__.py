"""Repositories over SQLAlchemy Core, one module each; a unit of work opens them on one connection."""
