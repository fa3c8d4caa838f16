"""Local stand-ins for Microsoft's cloud: a Graph emulator and a Bot Connector emulator.

They are product features (local mode, demos, tests), not test mocks: each is a real HTTP server
that follows the documented contract of the service it replaces.
"""
