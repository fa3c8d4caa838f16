"""The Teams app package's template and icons, shipped as package data.

`bot/package.py` reads `manifest.json`, `color.png` and `outline.png` from here with
`importlib.resources`, so `meetbot package` works from any install, not only from a clone.
"""
