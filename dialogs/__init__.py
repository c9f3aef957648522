"""Conversations with field staff: dialog definitions and the validators for what people type."""
