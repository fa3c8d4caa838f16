"""Meetbot: a Microsoft Teams bot that creates Teams online meetings through Microsoft Graph."""
