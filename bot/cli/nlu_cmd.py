"""`ltsa nlu …`: train the model, parse texts, build and measure language identification."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.rasa_process import running_nlu
from bot.settings import ROOT, load_settings
from nlu.eval_report import run as run_eval
from nlu.langid import PROFILES_DIR, LanguageDetector, build_profile
from nlu.langid_corpus import DEFAULT_DATA, profile_corpus
from nlu.langid_report import write_langid_report
from nlu.train import ensure_model
from nlu.understand import Understander


def register(sub: Any) -> None:
    nlu = sub.add_parser("nlu", help="the NLU model and language identification")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)

    train = commands.add_parser("train", help="train the model if its data or config changed")
    train.add_argument("--force", action="store_true", help="train even if a model exists")
    train.set_defaults(func=train_command)

    parse = commands.add_parser("parse", help='parse TEXT, or JSON Lines {"text": …} on stdin')
    parse.add_argument("text", nargs="?", help="one text; without it, JSON Lines on stdin")
    parse.set_defaults(func=parse_command)

    evaluate = commands.add_parser(
        "eval", help="held-out scores and cross-validation against Rasa's default: reports/nlu.md"
    )
    evaluate.add_argument("--folds", type=int, default=3, help="cross-validation folds")
    evaluate.add_argument("--no-cv", action="store_true", help="held-out evaluation only")
    evaluate.add_argument(
        "--default-folds",
        type=int,
        default=None,
        help="train Rasa's default pipeline on only this many first folds (it is slow)",
    )
    evaluate.add_argument(
        "--update-baseline", action="store_true", help="write nlu/heldout/baseline.json"
    )
    evaluate.set_defaults(func=eval_command)

    langid = commands.add_parser("langid", help="language identification profiles")
    lang_commands = langid.add_subparsers(dest="langid_command", required=True)
    build = lang_commands.add_parser("build", help="build the profiles from the corpus")
    build.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    build.set_defaults(func=langid_build_command)
    report = lang_commands.add_parser("eval", help="measure on held-out texts; reports/langid.md")
    report.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    report.set_defaults(func=langid_eval_command)


def train_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    model, how = ensure_model(settings.models_dir, settings.cache_dir, ROOT, force=args.force)
    print(f"NLU model: {model.relative_to(ROOT) if model.is_relative_to(ROOT) else model} ({how})")
    return 0


def eval_command(args: argparse.Namespace) -> int:
    path = run_eval(
        ROOT,
        k=args.folds,
        with_cv=not args.no_cv,
        update_baseline=args.update_baseline,
        default_folds=args.default_folds,
    )
    print(path.read_text(encoding="utf-8"))
    return 0


def _texts(args: argparse.Namespace) -> list[str]:
    if args.text is not None:
        return [args.text]
    texts = []
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise SystemExit(f"line {number}: not JSON") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise SystemExit(f'line {number}: expected {{"text": "..."}}')
        texts.append(item["text"])
    return texts


async def _parse_all(texts: list[str]) -> None:
    detector = LanguageDetector.load()
    async with running_nlu(load_settings(), ROOT) as client:
        nlu = Understander(client)
        for text in texts:
            parse = await nlu.parse(text)
            language = detector.detect(text).language
            print(json.dumps(parse.as_json(language), ensure_ascii=False), flush=True)


def parse_command(args: argparse.Namespace) -> int:
    asyncio.run(_parse_all(_texts(args)))
    return 0


def langid_build_command(args: argparse.Namespace) -> int:
    corpus = profile_corpus(args.data, ROOT)
    PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    for old in PROFILES_DIR.glob("*.json"):
        old.unlink()
    for lang, texts in corpus.items():
        profile = build_profile(lang, texts)
        (PROFILES_DIR / f"{lang}.json").write_text(
            json.dumps(profile, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        print(f"{lang}: {len(texts)} texts, {len(profile['freq'])} n-grams")  # type: ignore[arg-type]
    return 0


def langid_eval_command(args: argparse.Namespace) -> int:
    path = write_langid_report(LanguageDetector.load(), args.data, ROOT / "reports" / "langid.md")
    print(path.read_text(encoding="utf-8"))
    return 0
