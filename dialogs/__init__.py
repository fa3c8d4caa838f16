"""Conversation flows: from a parsed command to the card the user sees."""
