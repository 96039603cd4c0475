"""Doable: the domain library every function shares (model, services, adapters, events, CLI)."""

__version__ = "0.1.0"
