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

import pickle
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

ALARMS = ("emergency", "report_violence", "report_exploitation", "report_trafficking")
OTHER = "other"
FILE = "alarm.pkl"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class AlarmDetector(GraphComponent):
    """Probability that a message is an emergency or a report, and which one."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # C: inverse regularisation of the logistic regression
        return {"C": 10.0, "char_ngrams": [2, 5], "word_ngrams": [1, 2]}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        fitted: Any = None,
    ) -> None:
        self.config = config
        self.storage = model_storage
        self.resource = resource
        self.fitted = fitted  # (char vectoriser, word vectoriser, classifier) once trained

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AlarmDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AlarmDetector:
        try:
            with model_storage.read_from(resource) as directory:
                fitted = pickle.loads((directory / FILE).read_bytes())  # noqa: S301 - our own model
        except ValueError:  # trained on data without examples: no opinion
            fitted = None
        return cls(config, model_storage, resource, fitted)

    def _features(self, texts: List[str], fit: bool = False) -> Any:
        chars, words = self.fitted[0], self.fitted[1]
        if fit:
            return hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
        return hstack([chars.transform(texts), words.transform(texts)]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [str(m.get(TEXT)).lower() for m in examples]
        labels = [m.get(INTENT) if m.get(INTENT) in ALARMS else OTHER for m in examples]
        if len(set(labels)) < 2:
            return self.resource
        low, high = self.config["char_ngrams"]
        w_low, w_high = self.config["word_ngrams"]
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True)
        words = TfidfVectorizer(analyzer="word", ngram_range=(w_low, w_high), sublinear_tf=True)
        classifier = LogisticRegression(
            C=self.config["C"], class_weight="balanced", max_iter=3000, random_state=42
        )
        self.fitted = (chars, words, classifier)
        classifier.fit(self._features(texts, fit=True), labels)
        with self.storage.write_to(self.resource) as directory:
            (directory / FILE).write_bytes(pickle.dumps(self.fitted))
        return self.resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.fitted is None:
            return messages
        texts = [str(m.get(TEXT) or "").lower() for m in messages]
        classifier = self.fitted[2]
        classes = list(classifier.classes_)
        probabilities = classifier.predict_proba(self._features(texts))
        for message, row in zip(messages, probabilities, strict=True):
            alarms = [(classes[i], float(p)) for i, p in enumerate(row) if classes[i] != OTHER]
            intent = max(alarms, key=lambda pair: pair[1])[0]
            score = sum(p for _, p in alarms)
            message.set("alarm", {"intent": intent, "score": round(score, 4)}, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
