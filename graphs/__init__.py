"""Capability graphs served by genesis-mesh (plain LangGraph modules, loaded by file path)."""
