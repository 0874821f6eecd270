"""`careerbot` with the stand-in platform plugged in: `python tests/ops/serve_standin.py serve`."""

from stand_in import StandIn

from bot import serve
from bot.cli import main

serve.EXTRA_FRONTENDS.append(StandIn)
main()
