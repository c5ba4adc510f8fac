"""A second opinion on cries for help, trained with the Rasa model (runs inside .venv-rasa).

The intent classifier (DIET) ranks 48 intents; a message that tells of violence, exploitation
or trafficking in an unusual way can end up under a neighbouring intent with the alarm far
down the ranking. This component is a separate, simple classifier over the same training
data, with a different view of the text: TF-IDF of character n-grams (typos, affixes,
abbreviations) and of words and word pairs, and a logistic regression over five classes, the
four alarm intents and "anything else", with classes weighted by their size so that the rare
alarms count as much as everything else together.

It sets `alarm` on every parsed message, in Rasa's parse output:

    {"alarm": {"intent": "report_exploitation", "score": 0.83}}

`score` is the probability that the message is one of the alarms; `intent` the likeliest
alarm. The gateway (`nlu.understand.with_safety_net`) promotes the alarm when the score
reaches ALARM_THRESHOLD, chosen on cross-validation (`ltsa nlu eval`). The component never
sets the intent itself, so the model's own reading stays visible.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from nlu.components.tfidf import TfidfClassifier

ALARMS = ("emergency", "report_violence", "report_exploitation", "report_trafficking")
OTHER = "other"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class AlarmDetector(TfidfClassifier):
    """Probability that a message is an emergency or a report, and which one."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**TfidfClassifier.get_default_config(), "balanced": True}

    def label(self, message: Message) -> str | None:
        intent = message.get(INTENT)
        return intent if intent in ALARMS else OTHER

    def annotate(self, message: Message, probabilities: Dict[str, float]) -> None:
        alarms = [(c, p) for c, p in probabilities.items() if c != OTHER]
        intent = max(alarms, key=lambda pair: pair[1])[0]
        score = sum(p for _, p in alarms)
        message.set("alarm", {"intent": intent, "score": round(score, 4)}, add_to_output=True)
