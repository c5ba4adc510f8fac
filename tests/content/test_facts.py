"""Every procedure answer states its key facts, in every language, through the whole pipeline.

A wrong number or a missing warning can cost a migrant money or safety. `FACTS` lists, for each
faq topic, what its answer (or one of its deeper parts) must say: names and numbers that are the
same in every language (`same`, literal) and words that differ per language (`words`, one regex
per language). The pipeline test drives the real pipeline (a real database, Rasa down) with the
buttons a user presses: choose a language, open the topic, open each part. The rendered reply,
without its source line, must contain every fact; the source line must be there too.

The other tests read the content directly: numbers agree between languages, KP2MI is introduced
as "KP2MI (dulu BP2MI)" in each language, labels fit a WhatsApp reply button, and the answers
that depend on the LTSA still fit a phone screen once the LTSA's data is filled in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from bot.content import Content
from bot.pipeline import Pipeline
from bot.render import Renderer
from flows.payload import payload
from tests.helpers import Chat, said

LANGUAGES = ("id", "jv", "su", "mad")
LTSA = "ponorogo"  # the LTSA chosen for the topics whose answer depends on it
MAX_ANSWER = 600
MAX_BUTTON = 20  # WhatsApp reply buttons


def each(id: str, jv: str, su: str, mad: str) -> dict[str, str]:
    """One regex per language."""
    return {"id": id, "jv": jv, "su": su, "mad": mad}


def everywhere(regex: str) -> dict[str, str]:
    return dict.fromkeys(LANGUAGES, regex)


# Words that recur across topics.
KP2MI = each(
    r"KP2MI \(dulu BP2MI\)",
    r"KP2MI \(riyin BP2MI\)",
    r"KP2MI \(baheula BP2MI\)",
    r"KP2MI \(gellu' BP2MI\)",
)
VILLAGE_HEAD = each(
    r"kepala desa/lurah", r"kepala desa/lurah", r"kapala désa/lurah", r"klebun/lurah"
)
PERMISSION = each(r"surat izin", r"surat idin", r"serat idin", r"sorat izin")
SPOUSE = each(r"suami/istri", r"suami/istri", r"carogé/istri", r"lake/bine")
PARENTS = each(r"orang tua", r"tiyang sepuh", r"sepuh", r"oreng towa")
COMPETENCE = each(
    r"sertifikat kompetensi",
    r"sertifikat kompetensi",
    r"sertifikat kompeténsi",
    r"sertifikat kompetensi",
)
AGE_18 = each(r"\b18 tahun", r"\b18 taun", r"\b18 taun", r"\b18 taon")
NOT_CHARGED = each(r"tidak boleh", r"mboten angsal", r"teu kénging", r"ta' olle")
# [verify] in facts.md: the answer must say the rule is uncertain.
UNSURE = each(
    r"belum pasti|perlu dicek|mungkin sudah berubah",
    r"dereng pasti|perlu dipun cek|saged ugi sampun ewah",
    r"teu acan pasti|kedah dipariksa deui|panginten parantos robih",
    r"gi' ta' paste|parlo ecek|mungkin ampon aoba",
)
WEDNESDAY = each(r"\bRabu\b", r"\bRebo\b", r"\bRebo\b", r"\bRebbu\b")
SIP = everywhere(r"\bSIP\b")
# The 10 jobs of Perban BP2MI 9/2020 (five are written the same in every language).
ZERO_COST_SAME = (
    "pengurus rumah tangga",
    "juru masak",
    "perawat taman",
    "petugas ladang/perkebunan",
    "awak kapal perikanan",
)
ZERO_COST_WORDS = (
    each(r"pengasuh bayi", r"pengasuh bayi", r"pangasuh orok", r"pengasuh bayi"),
    each(r"pengasuh lansia", r"pengasuh lansia", r"pangasuh lansia", r"pengasuh lansia"),
    each(r"pengasuh anak", r"pengasuh anak", r"pangasuh budak", r"pengasuh anak"),
    each(r"sopir keluarga", r"sopir keluarga", r"sopir kulawarga", r"sopir keluarga"),
    each(
        r"petugas kebersihan", r"petugas kebersihan", r"petugas kabersihan", r"petugas kebersihan"
    ),
)
WIDOW = each(r"janda/duda", r"randha/dudha", r"randa/duda", r"randa/dhuda")
SIBLINGS = each(r"saudara kandung", r"sedherek kandung", r"dulur kandung", r"taretan kandung")
IN_LAWS = each(r"mertua", r"maratuwa", r"mitoha", r"mattowa")
# The same jobs, shortened in the "who pays?" parts: "pengasuh bayi/anak/lansia".
ZERO_COST_LIST = (
    *ZERO_COST_SAME,
    each(
        r"pengasuh bayi/anak/lansia",
        r"pengasuh bayi/anak/lansia",
        r"pangasuh orok/budak/lansia",
        r"pengasuh bayi/anak/lansia",
    ),
    ZERO_COST_WORDS[3],
    ZERO_COST_WORDS[4],
)


@dataclass(frozen=True)
class Facts:
    """What one reply must state: `shown` is "answer" or the name of a part."""

    topic: str
    shown: str
    same: tuple[str, ...] = ()
    words: tuple[Mapping[str, str], ...] = field(default_factory=tuple)


def facts(topic: str, shown: str, *items: str | Mapping[str, str]) -> Facts:
    """Literal strings are the same in every language; mappings are regexes per language."""
    return Facts(
        topic,
        shown,
        tuple(i for i in items if isinstance(i, str)),
        tuple(i for i in items if not isinstance(i, str)),
    )


# fmt: off
FACTS = (
    # -- departure: steps, documents, eligibility, family permission
    facts("procedure_steps", "answer", "SIP3MI", "SIAPkerja", "Disnaker", "LTSA",
          "Perjanjian Penempatan", "BPJS Ketenagakerjaan", "Perjanjian Kerja", "OPP", "E-PMI",
          "visa kerja", "psikologi", "calo", "visa turis", COMPETENCE),
    facts("procedure_steps", "register", "Jenjang Karir Luar Negeri", "Daftar sebagai CPMI",
          "Dukcapil", "job order", "TPPO",
          each(r"1 hari kerja", r"1 dinten kerja", r"1 dinten kerja", r"1 are kerja"),
          each(r"2 hari kerja", r"2 dinten kerja", r"2 dinten kerja", r"2 are kerja")),
    facts("procedure_steps", "before_departure", "17 Juli 2023", "SIAPkerja", "BP3MI",
          "SISKOP2MI", "E-PMI", "OPP"),
    facts("documents_required", "answer", "Pasal 13", "status perkawinan", "buku nikah",
          "psikologi", "paspor", "imigrasi", "visa kerja", "Perjanjian Penempatan",
          "Perjanjian Kerja", PERMISSION, VILLAGE_HEAD, COMPETENCE),
    facts("documents_required", "start", "KTP", "KK", "ijazah", "SD/SMP", "job order", "P3MI",
          each(r"akta lahir", r"akta lair", r"akta kalahiran", r"akta lahir")),
    facts("documents_required", "marital_status", "akta cerai", "di bawah tangan",
          each(r"pengadilan", r"pengadilan", r"pangadilan", r"pengadilan")),
    facts("eligibility", "answer", "BPJS Ketenagakerjaan", "psikologi", "SD", "SMP", AGE_18,
          COMPETENCE),
    facts("eligibility", "underage", "0800-1000", AGE_18, KP2MI),
    facts("eligibility", "education", "SD", "SMP", "Disnaker", "LTSA", COMPETENCE),
    facts("family_permission", "answer", "Pasal 13", "wali", PERMISSION, VILLAGE_HEAD, SPOUSE,
          PARENTS),
    facts("family_permission", "who_signs", "akta cerai", "SAPA 129", "08111-129-129"),
    facts("family_permission", "how", "LTSA", "Disnaker", "buku nikah", "OPP", VILLAGE_HEAD),
    facts("family_permission", "local_rules", "Ponorogo", "Perda 07/2021", "Rp10.000",
          each(r"tidak bercerai sampai PMI pulang", r"mboten pegatan ngantos PMI wangsul",
               r"teu cerai dugi ka PMI mulih", r"ta' acerai sampe' PMI mole"),
          each(r"kepala desa", r"kepala desa", r"kapala désa", r"klebun")),
    # -- the LTSA (answered for Ponorogo)
    facts("ltsa_services", "answer", "LTSA-PMI Kabupaten Ponorogo", "Disnaker", "KP2MI/BP3MI",
          "BPJS Ketenagakerjaan", "Polres Ponorogo", "Imigrasi", "Dukcapil"),
    facts("ltsa_services", "services", "P3MI", "Perjanjian Penempatan", "BPJS Ketenagakerjaan",
          "OPP", "SKCK", "imigrasi"),
    facts("ltsa_services", "mrc", "MRC", "Tulungagung", "Blitar", "Cirebon", "Lampung Timur",
          "konseling"),
    facts("ltsa_location_hours", "answer", "LTSA-PMI Kabupaten Ponorogo",
          "Kantor Dinas Tenaga Kerja Kab. Ponorogo", "08.00", "15.00"),
    facts("ltsa_location_hours", "opp_schedule", "Disnaker Ponorogo", WEDNESDAY),
    facts("ltsa_location_hours", "other_offices", "Polres Ponorogo", "Dispendukcapil Ponorogo"),
    facts("opp_info", "answer", "OPP", "Perjanjian Kerja", "HIV/AIDS", "TPPO", "BPJS Kesehatan",
          "BPJS Ketenagakerjaan", "Blitar"),
    facts("opp_info", "duration", "2020", "10", "G2G", "Korea", "4–5", "LTSA", "Disnaker",
          "0800-1000", UNSURE, KP2MI),
    facts("opp_info", "where_when", "Ponorogo", "Disnaker", "30", "SISKOP2MI", WEDNESDAY),
    # -- documents and checks
    facts("passport", "answer", "imigrasi", "Disnaker", "SIAPkerja", "zero cost", "calo", "LTSA",
          each(r"rekomendasi paspor", r"rekomendasi paspor", r"rékoméndasi paspor",
               r"rekomendasi paspor"),
          NOT_CHARGED, UNSURE),
    facts("passport", "documents", "KTP-el", "KK", "Disnaker", "imigrasi"),
    facts("passport", "where", "Disnaker", "LTSA", "imigrasi", "Blitar"),
    facts("skck", "answer", "SKCK", "Polres", "zero cost", NOT_CHARGED),
    facts("skck", "cost", "SKCK", "LTSA", *ZERO_COST_LIST, NOT_CHARGED, UNSURE),
    facts("skck", "where", "Polres", "calo"),
    facts("medical_checkup", "answer", "psikologi", "Pasal 13", "zero cost", NOT_CHARGED),
    facts("medical_checkup", "cost", "psikologi", "LTSA", *ZERO_COST_LIST, NOT_CHARGED, UNSURE),
    facts("medical_checkup", "where", "LTSA", "Disnaker"),
    facts("training_certificate", "answer", "Pasal 13", "zero cost", COMPETENCE, NOT_CHARGED),
    facts("training_certificate", "cost", *ZERO_COST_LIST, NOT_CHARGED),
    facts("training_certificate", "lpk_warning", "LPK", "siskop2mi.go.id"),
    facts("work_visa_contract", "answer", "Perjanjian Penempatan", "Perjanjian Kerja",
          "visa kerja", "17 Juli 2023", "SIAPkerja", "LTSA"),
    facts("work_visa_contract", "contract_contents", "Pasal 15", "jam kerja", "cuti",
          "jaminan sosial", each(r"gaji", r"gaji", r"gajih", r"gaji")),
    facts("work_visa_contract", "visa", "visa turis", "zero cost", "0800-1000", KP2MI),
    # -- BPJS Ketenagakerjaan
    facts("bpjs_membership", "answer", "JKK", "JKM", "JHT", "Rp37.500", "Perjanjian Penempatan",
          "OPP", "Rp13.500",
          each(r"24 bulan Rp332\.500", r"24 wulan Rp332\.500", r"24 bulan Rp332\.500",
               r"24 bulan Rp332\.500"),
          each(r"12 bulan Rp189\.000", r"12 wulan Rp189\.000", r"12 bulan Rp189\.000",
               r"12 bulan Rp189\.000"),
          each(r"6 bulan Rp108\.000", r"6 wulan Rp108\.000", r"6 bulan Rp108\.000",
               r"6 bulan Rp108\.000")),
    facts("bpjs_membership", "coverage", "Permenaker 4/2023", "21", "Rp85 juta", "Rp50 juta",
          "Rp10 juta", "PHK"),
    facts("bpjs_membership", "jht", "Rp50.000", "Rp600.000", "JKK", "JKM"),
    facts("bpjs_membership", "who_pays", "zero cost", "LTSA", *ZERO_COST_LIST, NOT_CHARGED,
          UNSURE),
    facts("bpjs_claim", "answer", "BPJS Ketenagakerjaan", "Rp85 juta", "JKK", "Rp20 juta",
          "Rp12 juta", "Rp10 juta", "Rp50 juta"),
    facts("bpjs_claim", "documents", "Pasal 57", "KK", "Perwakilan RI/KDEI"),
    facts("bpjs_claim", "heirs", "wasiat", WIDOW, PARENTS, SIBLINGS, IN_LAWS),
    facts("bpjs_claim", "where", "0800-1000", "calo", KP2MI),
    # -- costs and recruiters
    facts("placement_costs", "answer", "Perban BP2MI 9/2020", "0800-1000", *ZERO_COST_SAME,
          *ZERO_COST_WORDS, NOT_CHARGED, KP2MI),
    facts("placement_costs", "zero_cost_jobs", "visa kerja", "legalisasi Perjanjian Kerja",
          "P3MI", "paspor", "SKCK", "BPJS", "psikologi", "Pasal 30",
          each(r"tiket pergi dan pulang", r"tiket bidhal lan wangsul",
               r"tikét angkat sareng mulih", r"tiket mangkat ban mole")),
    facts("placement_costs", "other_jobs", "2/2020", "paspor", "SKCK", "0800-1000", UNSURE,
          KP2MI),
    facts("placement_costs", "asked_for_money", "0800-1000", "1500630", "lapor.go.id", "1708",
          KP2MI),
    facts("legal_recruiter", "answer", "SIP3MI", "siskop2mi.go.id", "Disnaker", "Perorangan",
          SIP),
    facts("legal_recruiter", "sip", "KBRI/KJRI", "job order", SIP),
    facts("legal_recruiter", "warning_signs", "SIP3MI", "Facebook", "WhatsApp", "0800-1000",
          KP2MI),
    facts("illegal_recruitment", "answer", "110", "0800-1000", "SIP3MI", "LPK", "visa turis",
          "calo", each(r"potong gaji", r"potong gaji", r"potong gajih", r"potong gaji"), KP2MI),
    facts("illegal_recruitment", "tourist_visa", "Kamboja", "Laos", "Myanmar", "95%"),
    facts("illegal_recruitment", "salary_debt", "zero cost", "0800-1000"),
    facts("illegal_recruitment", "report", "110", "0800-1000", "+62-21-2924-4800", "SAPA 129",
          "08111-129-129", "KBRI/KJRI", "Pasal 69"),
    facts("destination_info", "answer", "Kamboja", "Laos", "Myanmar", "KBRI/KJRI", "visa turis",
          "Disnaker", SIP),
    facts("destination_info", "schemes", "P3MI", "SIP3MI", "G2G", "Korea", "0800-1000"),
    facts("destination_info", "risky_offers", "visa kerja", "visa turis", "0800-1000"),
    # -- family, return, money, complaints
    facts("returnee_services", "answer", "UU 18/2017", "PAK CAMAT PMI", "Desmigratif", "MRC",
          "Tulungagung", "Blitar", "Cirebon", "Lampung Timur"),
    facts("returnee_services", "business", "PAK CAMAT PMI", "Desmigratif"),
    facts("returnee_services", "problems", "UPT P2TK Surabaya", "Migran Klinik", "0800-1000",
          KP2MI),
    facts("remittance", "answer", "bank", "calo", "ATM", "PIN", "Perjanjian Kerja"),
    facts("remittance", "savings", "OPP", "bank"),
    facts("remittance", "wage_problems", "Pasal 15", "KBRI/KJRI", "0800-1000",
          "+62-21-2924-4800"),
    facts("death_repatriation", "answer", "Rp85 juta", "0800-1000", "KBRI/KJRI", "Kemlu",
          "BPJS Ketenagakerjaan", KP2MI,
          each(r"surat keterangan tidak mampu", r"surat keterangan tidak mampu",
               r"serat katerangan teu mampu", r"sorat katerangan ta' mampu"),
          each(r"beasiswa 2 anak", r"beasiswa 2 putra", r"béasiswa 2 murangkalih",
               r"beasiswa 2 ana'")),
    facts("death_repatriation", "body_documents", "MCCD", "paspor", "KBRI/KJRI"),
    facts("death_repatriation", "airport", "P4MI", "0800-1000"),
    facts("death_repatriation", "benefits", "Rp85 juta", "JKK", "Rp20 juta", "Rp12 juta",
          "Rp10 juta", "wasiat", WIDOW, PARENTS, SIBLINGS, IN_LAWS),
    facts("sick_stranded_abroad", "answer", "KBRI/KJRI", "Safe Travel", "peduliwni.kemlu.go.id",
          "+62-21-2924-4800", "0800-1000", KP2MI),
    facts("sick_stranded_abroad", "arrive_sick", "23", "Migran Klinik", "UPT P2TK Surabaya"),
    facts("sick_stranded_abroad", "for_family", "0800-1000", "P3MI"),
    facts("complaint_channels", "answer", "0800-1000", "+62-21-2924-4800", "110", "SAPA 129",
          "08111-129-129", "1500630", "lapor.go.id", "1708", "KBRI/KJRI", KP2MI),
    facts("complaint_channels", "prepare", "P3MI", "kontrak"),
    facts("complaint_channels", "other_contacts", "ses.pusdatin@bp2mi.go.id", "Lapor Menaker",
          "021-129", "@lapor1708"),
)
# fmt: on


def _missing(text: str, expected: Facts, language: str) -> list[str]:
    missing = [s for s in expected.same if s.casefold() not in text.casefold()]
    for regexes in expected.words:
        if not re.search(regexes[language], text, re.IGNORECASE):
            missing.append(regexes[language])
    return missing


def _by_topic() -> dict[str, list[Facts]]:
    grouped: dict[str, list[Facts]] = {}
    for item in FACTS:
        grouped.setdefault(item.topic, []).append(item)
    return grouped


async def _open(chat: Chat, content: Content, topic: str, shown: str) -> str:
    """Presses the buttons for `topic` (or one of its parts); the reply without the source."""
    meta = content.faq[topic]
    if shown == "answer":
        if meta.needs_ltsa:
            await chat.send(payload("faq_local", topic=topic, ltsa=LTSA))
        else:
            await chat.send(payload(f"faq/{topic}"))
    else:
        await chat.send(payload("faq_part", topic=topic, part=shown))
    return chat.text()


def test_the_table_covers_every_topic_and_part(content: Content) -> None:
    covered = {(f.topic, f.shown) for f in FACTS}
    expected = {(t, "answer") for t in content.faq}
    expected |= {(t, part) for t, meta in content.faq.items() for part in meta.parts}
    assert expected - covered == set()
    assert covered - expected == set()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_answer_states_its_facts_and_source(
    pipeline: Pipeline, renderer: Renderer, content: Content, language: str
) -> None:
    problems: list[tuple[str, str, str]] = []
    for topic, expected in _by_topic().items():
        meta = content.faq[topic]
        source = said(renderer, language, "faq.source", source=meta.source, verified=meta.verified)
        chat = Chat(pipeline, user=f"{language}-{topic}")
        await chat.send(payload("change_language", language=language))
        if meta.needs_ltsa:  # parts of an LTSA answer need the LTSA chosen first
            await chat.send(payload("faq_local", topic=topic, ltsa=LTSA))
        for item in expected:
            text = await _open(chat, content, topic, item.shown)
            if source not in text:
                problems.append((topic, item.shown, "no source line"))
            body = text.replace(source, "")
            problems += [(topic, item.shown, m) for m in _missing(body, item, language)]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_answer_shows_its_source_and_last_verified_date(
    pipeline: Pipeline, renderer: Renderer, content: Content, language: str
) -> None:
    chat = Chat(pipeline, user=f"source-{language}")
    await chat.send(payload("change_language", language=language))
    shown: list[str] = []
    for topic, meta in content.faq.items():
        verified = dt.date.fromisoformat(meta.verified)
        assert meta.source.strip(), topic
        text = await _open(chat, content, topic, "answer")
        if meta.source in text and renderer.date(language, verified) in text:
            shown.append(topic)
    assert shown == list(content.faq)


def _texts(content: Content, language: str) -> dict[str, str]:
    """Every faq answer and part text, and every LTSA rule, in one language."""
    return {
        key: text
        for key, text in content.texts[language].items()
        if (key.startswith("faq.") and key.endswith((".answer", ".text")))
        or (key.startswith("ltsa.") and ".rules." in key)
    }


_NUMBER = re.compile(r"\+?\d[\d.,/–-]*\d|\d")


def test_every_number_is_the_same_in_every_language(content: Content) -> None:
    base = _texts(content, "id")
    differ = [
        (language, key, sorted(set(_NUMBER.findall(text)) ^ set(_NUMBER.findall(base[key]))))
        for language in LANGUAGES[1:]
        for key, text in _texts(content, language).items()
        if sorted(_NUMBER.findall(text)) != sorted(_NUMBER.findall(base[key]))
    ]
    assert differ == []


# The institution, not a regulation it issued ("Perban BP2MI 9/2020") or its e-mail domain.
_INSTITUTION = re.compile(r"(?<!Perban )\b[KB]P2MI\b")


@pytest.mark.parametrize("language", LANGUAGES)
def test_kp2mi_is_introduced_with_its_old_name(content: Content, language: str) -> None:
    introduced = re.compile(KP2MI[language])
    wrong = []
    checked = 0
    for key, text in _texts(content, language).items():
        first = _INSTITUTION.search(text)
        if first is None:
            continue
        checked += 1
        if not introduced.match(text, first.start()):
            wrong.append((key, text[first.start() : first.start() + 30]))
    assert checked > 20
    assert wrong == []


def test_part_labels_fit_a_reply_button(content: Content) -> None:
    long = [
        (language, topic, part, label)
        for language in LANGUAGES
        for topic, meta in content.faq.items()
        for part in meta.parts
        if len(label := content.text(language, f"faq.{topic}.parts.{part}.label")) > MAX_BUTTON
    ]
    assert long == []


def test_answers_about_an_ltsa_fit_a_phone_screen_for_every_ltsa(
    content: Content, renderer: Renderer
) -> None:
    long = []
    for topic, meta in content.faq.items():
        if not meta.needs_ltsa:
            continue
        keys = [f"faq.{topic}.answer", *(f"faq.{topic}.parts.{p}.text" for p in meta.parts)]
        for language in LANGUAGES:
            for key in keys:
                for slug in content.ltsa:
                    size = len(renderer.text(language, key, {"ltsa": slug}))
                    if size > MAX_ANSWER:
                        long.append((language, key, slug, size))
    assert long == []
