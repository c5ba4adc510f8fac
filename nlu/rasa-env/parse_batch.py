"""Parses JSON Lines {"text": ...} from stdin with a trained Rasa model; writes Rasa's parse
results as JSON Lines. Runs inside .venv-rasa (Python 3.10): `python parse_batch.py MODEL`.
Used by `ltsa nlu eval` to score many messages without starting a server per model.

Rasa logs to stdout (structlog), so results go to a duplicate of the original stdout and
everything else is sent to stderr."""

import asyncio
import json
import logging
import os
import sys


async def main(model_path: str, out) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for line in sys.stdin:
        if not line.strip():
            continue
        text = json.loads(line)["text"]
        result = await agent.parse_message(text)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed from here on goes to stderr
    sys.stdout = sys.stderr
    logging.disable(logging.WARNING)
    asyncio.run(main(sys.argv[1], results))
