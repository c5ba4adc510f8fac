"""Hypothesis strategies for what arrives over HTTP: any JSON, and payloads shaped like the
Rasa REST channel's, Telegram's updates and WhatsApp's events, with hostile values inside."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.bot.channels.fakes import PHONE_NUMBER_ID

# Text as people and attackers send it: any printable or control character, RTL overrides,
# zero-width joiners, combining marks, emoji; surrogates cannot be in a str sent as UTF-8 (see
# tests/fuzz/test_unicode.py for those, as JSON escapes).
TRICKY = "\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u2066\u0301\u0300\u0000\u001b\n\t\r😀👩‍👩‍👧"
texts = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(TRICKY)),
    max_size=200,
)
keys = st.text(max_size=12)
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=10,
)


def some(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value of the right kind, or anything at all."""
    return st.one_of(values, values, values, json_values)


rest_bodies = st.one_of(
    st.fixed_dictionaries(
        {"sender": some(st.text(min_size=1, max_size=140)), "message": some(texts)},
        optional={
            "metadata": some(st.fixed_dictionaries({}, optional={"message_id": some(texts)}))
        },
    ),
    json_values,
)

_user = st.fixed_dictionaries(
    {"id": some(st.integers(1, 10**9)), "is_bot": some(st.booleans()), "first_name": some(texts)},
    optional={"username": some(texts), "language_code": some(texts)},
)
_chat = st.fixed_dictionaries(
    {
        "id": some(st.integers(-(10**13), 10**9)),
        "type": some(st.sampled_from(["private", "group", "supergroup", "channel"])),
    }
)
_file = st.fixed_dictionaries(
    {"file_id": some(texts), "file_unique_id": some(texts)},
    optional={
        "file_size": some(st.integers()),
        "mime_type": some(texts),
        "file_name": some(texts),
    },
)
_message = st.fixed_dictionaries(
    {
        "message_id": some(st.integers(1, 10**9)),
        "date": some(st.integers(0, 2**33)),
        "chat": _chat,
    },
    optional={
        "from": _user,
        "text": some(texts),
        "caption": some(texts),
        "entities": some(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "type": some(st.sampled_from(["bot_command", "mention", "url"])),
                        "offset": some(st.integers(-5, 300)),
                        "length": some(st.integers(-5, 300)),
                    }
                ),
                max_size=3,
            )
        ),
        "photo": some(st.lists(_file, max_size=2)),
        "document": some(_file),
        "voice": some(_file),
        "sticker": some(_file),
        "location": some(
            st.fixed_dictionaries(
                {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}
            )
        ),
    },
)
telegram_updates = st.one_of(
    st.fixed_dictionaries(
        {"update_id": some(st.integers(0, 2**40))},
        optional={
            "message": some(_message),
            "edited_message": some(_message),
            "callback_query": some(
                st.fixed_dictionaries(
                    {"id": some(texts), "from": _user, "chat_instance": some(texts)},
                    optional={
                        "data": some(texts | st.from_regex(r"b:\d{1,20}:\d{1,4}", fullmatch=True)),
                        "message": _message,
                    },
                )
            ),
        },
    ),
    json_values,
)

_kinds = st.sampled_from(
    [
        "text",
        "interactive",
        "button",
        "image",
        "document",
        "audio",
        "sticker",
        "location",
        "contacts",
        "reaction",
        "unsupported",
        "edit",
        "request_welcome",
    ]
)
_wa_message = st.fixed_dictionaries(
    {
        "from": some(st.from_regex(r"62\d{8,12}", fullmatch=True)),
        "id": some(texts),
        "timestamp": some(st.integers(0, 2**33).map(str)),
        "type": some(_kinds),
    },
    optional={
        "text": some(st.fixed_dictionaries({"body": some(texts)})),
        "interactive": some(
            st.fixed_dictionaries(
                {"type": some(st.sampled_from(["button_reply", "list_reply"]))},
                optional={
                    "button_reply": some(
                        st.fixed_dictionaries({"id": some(texts), "title": some(texts)})
                    ),
                    "list_reply": some(
                        st.fixed_dictionaries({"id": some(texts), "title": some(texts)})
                    ),
                },
            )
        ),
        "button": some(st.fixed_dictionaries({"payload": some(texts), "text": some(texts)})),
        "image": some(
            st.fixed_dictionaries(
                {"id": some(texts)}, optional={"mime_type": some(texts), "caption": some(texts)}
            )
        ),
        "document": some(
            st.fixed_dictionaries({"id": some(texts)}, optional={"filename": some(texts)})
        ),
        "from_user_id": some(texts),
    },
)
_status = st.fixed_dictionaries(
    {
        "id": some(texts),
        "status": some(st.sampled_from(["sent", "delivered", "read", "failed"])),
        "timestamp": some(st.integers(0, 2**40).map(str)),
    },
    optional={
        "errors": some(
            st.lists(
                st.fixed_dictionaries({"code": some(st.integers()), "title": some(texts)}),
                max_size=2,
            )
        )
    },
)
whatsapp_events = st.one_of(
    st.fixed_dictionaries(
        {
            "object": some(st.just("whatsapp_business_account")),
            "entry": some(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "id": some(texts),
                            "changes": some(
                                st.lists(
                                    st.fixed_dictionaries(
                                        {
                                            "field": some(st.just("messages")),
                                            "value": some(
                                                st.fixed_dictionaries(
                                                    {
                                                        "messaging_product": st.just("whatsapp"),
                                                        "metadata": some(
                                                            st.fixed_dictionaries(
                                                                {
                                                                    "phone_number_id": some(
                                                                        st.just(PHONE_NUMBER_ID)
                                                                    )
                                                                }
                                                            )
                                                        ),
                                                    },
                                                    optional={
                                                        "contacts": some(
                                                            st.lists(
                                                                st.fixed_dictionaries(
                                                                    {"wa_id": some(texts)},
                                                                    optional={
                                                                        "user_id": some(texts),
                                                                        "profile": json_values,
                                                                    },
                                                                ),
                                                                max_size=2,
                                                            )
                                                        ),
                                                        "messages": some(
                                                            st.lists(_wa_message, max_size=2)
                                                        ),
                                                        "statuses": some(
                                                            st.lists(_status, max_size=2)
                                                        ),
                                                    },
                                                )
                                            ),
                                        }
                                    ),
                                    max_size=2,
                                )
                            ),
                        }
                    ),
                    max_size=2,
                )
            ),
        }
    ),
    json_values,
)
