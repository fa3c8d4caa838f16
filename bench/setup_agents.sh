#!/usr/bin/env bash
# Installs what bench/agents_echo.py (the Microsoft 365 Agents SDK's quickstart echo agent)
# needs into its own virtualenv, bench/.venv-agents, so the successor SDK and its pins
# (aiohttp, pydantic, msal) never share an environment with Meetbot's. bench/compare.py runs
# this on first use; running it again only checks the imports. PYTHON picks the interpreter
# (default python3; the SDK installs on Python 3.11, the version Meetbot runs on).
set -euo pipefail
cd "$(dirname "$0")"

venv=.venv-agents
probe='import dotenv, microsoft_agents.authentication.msal, microsoft_agents.hosting.aiohttp'
if [[ -x $venv/bin/python ]] && $venv/bin/python -c "$probe" 2> /dev/null; then
    exit 0
fi
"${PYTHON:-python3}" -m venv "$venv"
# The quickstart's requirements: the aiohttp hosting, MSAL authentication and python-dotenv.
"$venv/bin/pip" install -q --disable-pip-version-check \
    'microsoft-agents-hosting-aiohttp==1.9.*' \
    'microsoft-agents-authentication-msal==1.9.*' \
    python-dotenv
"$venv/bin/python" -c "$probe"
