"""The Microsoft 365 Agents SDK's echo agent, written the way its Python quickstart writes it
(microsoft/Agents-for-python: the quickstart's handlers as
`dev/integration/tests/scenarios/quickstart.py` registers them, configured and hosted as
`test_samples/app_style/empty_agent.py` and its `shared/start_server.py` do), folded into one
file. It is the successor SDK's peer that
`bench/compare.py` measures Meetbot against, beside the stock botbuilder echo bot, so it
deliberately keeps the quickstart's shape (module-level storage, connection manager, adapter
and application, configuration read from the environment) instead of Meetbot's house style.

It needs `microsoft-agents-hosting-aiohttp` and `microsoft-agents-authentication-msal` 1.9,
which Meetbot does not depend on: `bench/setup_agents.sh` installs them into their own
virtualenv, `bench/.venv-agents` (compare.py runs it on first use).

    CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true PORT=3978 \\
        bench/.venv-agents/bin/python bench/agents_echo.py

Anonymous, as the quickstart runs before an app registration exists: with `ANONYMOUS_ALLOWED`
and no client id, `jwt_authorization_middleware` accepts requests without a token and replies
go out unauthenticated. The quickstart listens on `localhost`; here it is 127.0.0.1, the address
the harness posts to.
"""

import re
import sys
import traceback
from os import environ

from aiohttp.web import Application, Request, Response, run_app
from dotenv import load_dotenv
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import (
    CloudAdapter,
    jwt_authorization_middleware,
    start_agent_process,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    Authorization,
    MemoryStorage,
    TurnContext,
    TurnState,
)

# ---------------------------------------------------------------- the agent

load_dotenv()
agents_sdk_config = load_configuration_from_env(environ)

STORAGE = MemoryStorage()
CONNECTION_MANAGER = MsalConnectionManager(**agents_sdk_config)
ADAPTER = CloudAdapter(connection_manager=CONNECTION_MANAGER)
AUTHORIZATION = Authorization(STORAGE, CONNECTION_MANAGER, **agents_sdk_config)

AGENT_APP = AgentApplication[TurnState](
    storage=STORAGE, adapter=ADAPTER, authorization=AUTHORIZATION, **agents_sdk_config
)


@AGENT_APP.conversation_update("membersAdded")
async def on_members_added(context: TurnContext, _state: TurnState):
    await context.send_activity(
        "Welcome to the empty agent! "
        "This agent is designed to be a starting point for your own agent development."
    )


@AGENT_APP.message(re.compile(r"^hello$"))
async def on_hello(context: TurnContext, _state: TurnState):
    await context.send_activity("Hello!")


@AGENT_APP.activity("message")
async def on_message(context: TurnContext, _state: TurnState):
    await context.send_activity(f"you said: {context.activity.text}")


@AGENT_APP.error
async def on_error(context: TurnContext, error: Exception):
    # This check writes out errors to console log .vs. app insights.
    # NOTE: In production environment, you should consider logging this to Azure
    #       application insights.
    print(f"\n [on_turn_error] unhandled error: {error}", file=sys.stderr)
    traceback.print_exc()

    # Send a message to the user
    await context.send_activity("The bot encountered an error or bug.")


# ---------------------------------------------------------------- shared/start_server.py


def start_server(agent_application: AgentApplication, auth_configuration: AgentAuthConfiguration):
    async def entry_point(req: Request) -> Response:
        agent: AgentApplication = req.app["agent_app"]
        adapter: CloudAdapter = req.app["adapter"]
        return await start_agent_process(
            req,
            agent,
            adapter,
        )

    APP = Application(middlewares=[jwt_authorization_middleware])
    APP.router.add_post("/api/messages", entry_point)
    APP.router.add_get("/api/messages", lambda _: Response(status=200))
    APP["agent_configuration"] = auth_configuration
    APP["agent_app"] = agent_application
    APP["adapter"] = agent_application.adapter

    try:
        run_app(APP, host="127.0.0.1", port=int(environ.get("PORT", "3978")))
    except Exception as error:
        raise error


# ---------------------------------------------------------------- main

if __name__ == "__main__":
    start_server(
        agent_application=AGENT_APP,
        auth_configuration=CONNECTION_MANAGER.get_default_connection_configuration(),
    )
