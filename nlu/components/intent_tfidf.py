"""A second intent classifier over full intent names, trained with the Rasa model (runs inside
.venv-rasa).

DIET learns dense features of our ~9,000 examples; on short, misspelled, code-mixed messages a
plain linear model over TF-IDF of character n-grams and words often reads them better, and
the two err on different messages. This component ranks the full intents (`faq/passport`,
not `faq`: a retrieval intent is learnt under its response key) and sets, in Rasa's parse
output, the ten likeliest:

    {"tfidf_ranking": [{"name": "faq/passport", "confidence": 0.62}, ...]}

The gateway mixes that ranking with Rasa's (`nlu.client.combine_ranking`, weight
RASA_WEIGHT), chosen with the regularisation C on cross-validation (`reports/nlu.md`). The
component never sets the intent itself, so Rasa's own reading stays in the output.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.training_data.message import Message

from nlu.components.tfidf import TfidfClassifier

TOP = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfIntentClassifier(TfidfClassifier):
    """Probabilities of the full intents from TF-IDF features."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # 48 classes: saga trains in a quarter of lbfgs's time, as accurately (CV, C=30)
        return {**TfidfClassifier.get_default_config(), "C": 30.0, "solver": "saga"}

    def label(self, message: Message) -> str | None:
        return message.get_full_intent()

    def annotate(self, message: Message, probabilities: Dict[str, float]) -> None:
        ranked = sorted(probabilities.items(), key=lambda pair: pair[1], reverse=True)[:TOP]
        ranking = [{"name": name, "confidence": round(p, 4)} for name, p in ranked]
        message.set("tfidf_ranking", ranking, add_to_output=True)
