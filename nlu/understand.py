"""The NLU as the service uses it: short closed-class messages by rule, the rest by Rasa, and
the danger lexicon underneath both.

    rule_parse(text)          "ya", "makasih", "menu" … decided without the model
    case_status_parse(text)   a message with a case number ("K2612-0042 123456")
    Rasa /model/parse         everything else
    with_safety_net           a present danger in the words (danger_match) is `emergency`,
                              whatever the model said, even when the Rasa server is down; a
                              forced-labour indicator is a report; a protection intent the
                              model finds likely enough is preferred

Errors: `NluUnavailable` when Rasa is needed, is down, and the lexicon does not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlu.client import NluUnavailable, Parse, ParsedEntity, RasaClient
from nlu.danger import danger_match, indicator_match
from nlu.gazetteer import Gazetteer
from nlu.intents import PROTECTION
from nlu.rules import rule_parse

EMERGENCY = "emergency"
OFF = 2.0  # a bias or threshold above any confidence: never applies
# Both chosen together on the cross-validation predictions of the training data, with the
# mixed intent ranking (reports/nlu.md, 2026-12-07, 9,218 examples), where a false alarm offers
# help and a miss leaves a person alone. The rule: the highest protection recall whose
# false-alarm rate stays at or under 3 %.
# - ALARM_THRESHOLD: the alarm detector's score (nlu/components/alarm.py) from which its
#   emergency or report wins over a reading that is not one. At 0.4 it finds 97.9 % of the
#   cries for help where the model and the lexicons alone find 95.4 %, for 1.5 points more
#   false alarms (2.5 %); 0.3 finds 98.2 % but with 3.2 % false alarms.
# - PROTECTION_BIAS: a protection intent the mixed ranking gives at least this confidence wins
#   over its first choice. At 0.20 it finds 0.1 point more (98.0 %) for 0.1 point more false
#   alarms (2.6 %); 0.10 finds 98.4 % with 3.5 % false alarms.
ALARM_THRESHOLD = 0.4
PROTECTION_BIAS = 0.2
ALARMS = frozenset({"emergency", "report_violence", "report_exploitation", "report_trafficking"})
# A family's case number ("K2612-0042"), perhaps with its six-digit PIN: a status question.
_CASE_NUMBER = re.compile(r"\b[Kk]\d{4}-\d{4,}\b")
_PIN = re.compile(r"(?<![\d-])\d{6}(?!\d)")


def case_status_parse(text: str) -> Parse | None:
    """`case_status` with the number (and PIN) when a short message carries a case number."""
    number = _CASE_NUMBER.search(text)
    if number is None or len(text.split()) > 8:
        return None
    entities = [ParsedEntity("case_number", number.group().upper(), *number.span())]
    pin = _PIN.search(text, number.end()) or _PIN.search(text[: number.start()])
    if pin is not None:
        entities.append(ParsedEntity("case_pin", pin.group(), *pin.span()))
    return Parse(text, "case_status", 1.0, (("case_status", 1.0),), tuple(entities), "rule")


def _promote(parse: Parse, intent: str, source: str) -> Parse:
    ranking = ((intent, 1.0), *((i, c) for i, c in parse.ranking if i != intent))
    return replace(parse, intent=intent, confidence=1.0, ranking=ranking[:10], source=source)


def with_safety_net(
    text: str,
    parse: Parse,
    bias: float = PROTECTION_BIAS,
    alarm_threshold: float = ALARM_THRESHOLD,
) -> Parse:
    """The parse, or a protection intent when missing one would be the worse error.

    `emergency` when the text names a present danger; a report when it shows a forced-labour
    indicator (wages withheld, passport kept, …); the alarm detector's emergency or report
    when its score reaches `alarm_threshold`; otherwise the likeliest protection intent when
    the model gives it at least `bias` (a false alarm offers help; a miss leaves a person
    alone). A protection intent the model chose is kept."""
    if parse.top in ALARMS:
        return parse if parse.intent == parse.top else _promote(parse, parse.top, "bias")
    if danger_match(text) is not None:
        return _promote(parse, EMERGENCY, "lexicon")
    indicated = indicator_match(text)
    if indicated is not None:  # more specific than counselling, legal aid or a lost contact
        return _promote(parse, indicated, "indicator")
    if parse.alarm is not None and parse.alarm[1] >= alarm_threshold:
        return _promote(parse, parse.alarm[0], "detector")
    if parse.top in PROTECTION:
        return parse if parse.intent == parse.top else _promote(parse, parse.top, "bias")
    best = next(((i, c) for i, c in parse.ranking if i in PROTECTION), None)
    if best is not None and best[1] >= bias:
        return _promote(parse, best[0], "bias")
    return parse


@dataclass
class Understander:
    """Rules first, then the Rasa server; the safety net over both."""

    rasa: RasaClient

    @property
    def gazetteer(self) -> Gazetteer:
        return self.rasa.gazetteer

    async def parse(self, text: str) -> Parse:
        """The intent and entities of a text; NluUnavailable when Rasa is needed but down."""
        ruled = rule_parse(text) or case_status_parse(text)
        if ruled is not None:
            return with_safety_net(text, ruled)
        try:
            parse = await self.rasa.parse(text)
        except NluUnavailable:
            if danger_match(text) is None:
                raise
            entities = tuple(self.gazetteer.normalise(text, ()))
            return Parse(text, EMERGENCY, 1.0, ((EMERGENCY, 1.0),), entities, source="lexicon")
        return with_safety_net(text, parse)
