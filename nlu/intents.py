"""The intent names the NLU predicts: a contract shared by the evaluation set, the flows and the
analytics (the project's `spec/intents.md`). Add intents when users need them; never rename."""

CONVERSATION = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "ask_menu",
    "change_language",
    "human_request",
    "bot_challenge",
    "out_of_scope",
)
FAQ_TOPICS = (
    "procedure_steps",
    "documents_required",
    "eligibility",
    "family_permission",
    "ltsa_services",
    "ltsa_location_hours",
    "opp_info",
    "passport",
    "skck",
    "medical_checkup",
    "bpjs_membership",
    "bpjs_claim",
    "placement_costs",
    "legal_recruiter",
    "illegal_recruitment",
    "training_certificate",
    "work_visa_contract",
    "destination_info",
    "returnee_services",
    "remittance",
    "death_repatriation",
    "sick_stranded_abroad",
    "complaint_channels",
)
BOOKING = (
    "book_opp",
    "book_desk",
    "ask_opp_schedule",
    "check_booking",
    "cancel_booking",
    "reschedule_booking",
)
PROTECTION = (
    "emergency",
    "report_violence",
    "report_exploitation",
    "report_trafficking",
    "seek_counseling",
    "legal_aid",
    "family_lost_contact",
)
PRIVACY = ("delete_my_data", "privacy_info")
# KOPI coordinators and announcements: reached by commands (/langganan, /berhenti_langganan,
# /koordinator, /umumkan), buttons and short-message rules (`nlu.rules`); no training data.
COMMUNITY = ("subscribe", "unsubscribe", "coordinator", "announce")

INTENTS: tuple[str, ...] = (
    *CONVERSATION,
    *(f"faq/{topic}" for topic in FAQ_TOPICS),
    *BOOKING,
    *PROTECTION,
    *PRIVACY,
    *COMMUNITY,
)
ENTITIES = ("desk", "ltsa", "country")
