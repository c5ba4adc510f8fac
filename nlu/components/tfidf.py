"""A text classifier over TF-IDF features, trained with the Rasa model (runs inside .venv-rasa).

The base of our two components (`alarm.py`, `intent_tfidf.py`): TF-IDF of character n-grams within
words (typos, affixes, abbreviations: "dftr", "daftarnya") and of words and word pairs, and a
logistic regression over labels the subclass chooses. It is a different view of the text from
DIET's, and cheap: a few seconds to train, about a millisecond per message.
"""

from __future__ import annotations

import pickle
from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

FILE = "classifier.pkl"


class TfidfClassifier(GraphComponent):
    """Vectorisers and a logistic regression; subclasses say what the labels are and what a
    message gets from the probabilities."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # C: inverse regularisation; solver: "lbfgs" (exact, slow with many classes) or "saga"
        return {
            "C": 10.0,
            "char_ngrams": [2, 5],
            "word_ngrams": [1, 2],
            "solver": "lbfgs",
            "balanced": False,
        }

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
    ) -> TfidfClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                fitted = pickle.loads((directory / FILE).read_bytes())  # noqa: S301 - our own model
        except ValueError:  # trained on data without examples: no opinion
            fitted = None
        return cls(config, model_storage, resource, _for_one_message(fitted))

    def label(self, message: Message) -> str | None:
        """The class a training message teaches (None: not used)."""
        raise NotImplementedError

    def annotate(self, message: Message, probabilities: Dict[str, float]) -> None:
        """Sets what the component says of one parsed message."""
        raise NotImplementedError

    def _features(self, texts: List[str], fit: bool = False) -> Any:
        chars, words = self.fitted[0], self.fitted[1]
        if fit:
            return hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
        return hstack([chars.transform(texts), words.transform(texts)]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [(m, self.label(m)) for m in training_data.intent_examples if m.get(TEXT)]
        texts = [str(m.get(TEXT)).lower() for m, label in pairs if label]
        labels = [label for _, label in pairs if label]
        if len(set(labels)) < 2:
            return self.resource
        low, high = self.config["char_ngrams"]
        w_low, w_high = self.config["word_ngrams"]
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True)
        words = TfidfVectorizer(analyzer="word", ngram_range=(w_low, w_high), sublinear_tf=True)
        saga = self.config["solver"] == "saga"
        classifier = LogisticRegression(
            C=self.config["C"],
            class_weight="balanced" if self.config["balanced"] else None,
            solver=self.config["solver"],
            # saga stops at a looser tolerance: as accurate here, a fraction of the time
            max_iter=300 if saga else 3000,
            tol=1e-3 if saga else 1e-4,
            random_state=42,
        )
        self.fitted = (chars, words, classifier)
        classifier.fit(self._features(texts, fit=True), labels)
        _for_one_message(self.fitted)
        with self.storage.write_to(self.resource) as directory:
            (directory / FILE).write_bytes(pickle.dumps(self.fitted))
        return self.resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.fitted is None:
            return messages
        texts = [str(m.get(TEXT) or "").lower() for m in messages]
        classifier = self.fitted[2]
        classes = [str(c) for c in classifier.classes_]
        probabilities = classifier.predict_proba(self._features(texts))
        for message, row in zip(messages, probabilities, strict=True):
            self.annotate(message, {c: float(p) for c, p in zip(classes, row, strict=True)})
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


def _for_one_message(fitted: Any) -> Any:
    """Lays the weights out for parsing one message at a time; the numbers are unchanged.

    `predict_proba` multiplies the message's sparse row by `coef_.T`, and SciPy copies a
    dense operand that is not C-contiguous: with `coef_` stored row by row (classes x
    features, 48 x 70,000 here) that copy was 8.6 ms of a parse. Stored the other way round,
    `coef_.T` is C-contiguous and the product takes 0.05 ms, with the same result."""
    if fitted is not None:
        classifier = fitted[2]
        classifier.coef_ = np.ascontiguousarray(classifier.coef_.T).T
    return fitted
