"""A short, high-precision danger lexicon: the safety net under the intent classifier.

A message that says someone is being hurt, held or threatened *now* must reach the emergency
response even when the model misreads it or the Rasa server is down. The phrases are few and
specific (a false alarm offers help; a miss can cost a life), written the way people type in
chat in Indonesian, Javanese, Sundanese and Madurese; each pattern matches whole words of the
normalised text (lower case, no punctuation, letters repeated for emphasis collapsed).

Not in the lexicon on purpose: words that are common in ordinary questions ("pukul 9",
"darurat" in "dokumen darurat", "kabur" alone), which belong to the classifier.
"""

from __future__ import annotations

import re

# Each line is one regular expression over normalised words; grouped by language for review.
_PATTERNS = {
    "id": r"""
        tolong(?:in)? (?:saya|aku|sy|kami|kmi)\b.*\b(?:dipukul\w*|disiksa|disekap|dikurung|diperkosa|dibunuh|diancam)
        (?:saya|aku|sy|anak saya|istri saya|adik saya|kakak saya|ibu saya)\s+(?:lagi\s+|sedang\s+|sdg\s+|udah\s+|sudah\s+)?(?:disekap|dikurung|dikunci|disiksa|dipukuli|diperkosa|diculik)
        (?:mau|akan|mo|diancam(?: akan)?)\s+dibunuh
        ancam(?:an)?\s+(?:mau\s+)?bunuh
        tidak\s+(?:boleh|bisa)\s+keluar\s+(?:dari\s+)?(?:rumah|kamar|asrama|penampungan)
        (?:gak|ga|nggak|tdk)\s+(?:boleh|bisa)\s+keluar\s+(?:dari\s+)?(?:rumah|kamar|asrama|penampungan)
        (?:mau|ingin|pengen|pingin)\s+bunuh\s+diri
        tolong\s+selamatkan
        ^(?:tolong\w*\s+)+(?:saya|aku|sy|kami)(?:\s+tolong\w*)*$
        (?:minta|butuh)\s+(?:tolong|bantuan)\s+(?:segera|sekarang|cepat)
        sedang\s+dalam\s+bahaya
        dalam\s+bahaya\s+(?:sekarang|skrg)
        (?:dipukuli|disiksa)\s+(?:majikan|agen|suami|bos)
        \bsos\b
        ^(?:tolong|sos|darurat|urgent|bahaya|tolong cepat|tolong segera)(?:\s+(?:tolong|please|pls|cepat|segera|min|kak|pak|bu))*$
        (?:lagi|sedang|sdg|lg)?\s*dalam\s+bahaya
        \b(?:dikunci|digembok|dikurung|disekap|dianiaya|dicekik|disetrum)\b.*\b(?:majikan|agen|mandor|bos|calo|sponsor|gudang|kamar|penampungan|tolong)\b
        \b(?:majikan|agen|mandor|bos|calo|sponsor|tolong)\b.*\b(?:dikunci|digembok|dikurung|disekap|dianiaya|dicekik|disetrum|dipukuli)\b
        \b(?:ngancam|mengancam|diancam|ancam)\b.*\b(?:bunuh|dibunuh|membunuh|pisau|siram|bakar|tembak)\b
        \b(?:takut|mau|akan)\s+(?:dibunuh|dibuang\s+ke\s+laut|dijual)\b
        \b(?:mau|ingin|pengen)\s+(?:loncat|lompat)\s+dari\b
    """,
    "jv": r"""
        ^(?:tulung\w*\s+)+(?:aku|kula|kulo)(?:\s+tulung\w*)*$
        (?:aku|kula|kulo|anakku|bojoku|adhikku)\s+(?:lagi\s+|saweg\s+|wis\s+)?(?:disekap|dikunci|dikurung|digebuki|diantemi|disiksa|diperkosa|diculik)
        (?:arep|badhe|meh|diancam)\s+dipateni
        ora\s+(?:oleh|entuk|iso|isa)\s+metu\s+(?:saka\s+|seko\s+)?(?:omah|kamar|asrama|penampungan)
        (?:pengen|kepengin|arep)\s+bunuh\s+diri
        ^(?:tulung\w*|nyuwun tulung|tulung tulung|enggal tulung)(?:\s+(?:tulung\w*|pak|bu|mas|mbak|cepet|enggal))*$
        \b(?:dikunci|digembok|dikurung|disekap|kunci|gebugi|digebugi|digebuk\w*)\b.*\b(?:majikan|agen|mandor|sponsor|gudang|kamar|tulung)\b
        \b(?:majikan|agen|mandor|sponsor|tulung)\b.*\b(?:dikunci|digembok|dikurung|disekap|nyekek|digebuki|digebuk)\b
        \b(?:ngancam|diancam|ancam)\b.*\b(?:mateni|dipateni|pejahi|piso|siram)\b
        \b(?:nyekek|ndelik)\b
    """,
    "su": r"""
        ^(?:tulung\w*\s+)+abdi(?:\s+tulung\w*)*$
        (?:abdi|anak abdi|pamajikan abdi|rai abdi)\s+(?:nuju\s+|keur\s+|tos\s+)?(?:disekap|dikonci|dikurung|digebugan|disiksa|diperkosa|diculik)
        (?:bade|rek|diancam)\s+dipaehan
        teu\s+(?:kenging|meunang|tiasa|bisa)\s+kaluar\s+(?:ti\s+)?(?:bumi|imah|kamar|asrama|penampungan)
        (?:hoyong|hayang|bade)\s+bunuh\s+diri
        ^(?:tulung\w*|tolong tolong|tulung tulung)(?:\s+(?:tulung\w*|kang|teh|pak|bu|gancang|abdi))*$
        \b(?:dikonci|dikurung|disekap|dipukulan|digebugan|dianiaya)\b.*\b(?:majikan|agen|mandor|sponsor|gudang|kamar|tulung\w*)\b
        \b(?:majikan|agen|mandor|kapten|sponsor|tulung\w*)\b.*\b(?:dikonci|dikurung|disekap|dipukulan|digebugan|nganiaya)\b
        \b(?:ngancam|diancam)\b.*\b(?:paehan|dipaehan|peso|ngalungkeun)\b
        \b(?:hoyong|bade|rek)\s+luncat\b
    """,
    "mad": r"""
        ^(?:tolong\w*\s+)+(?:sengko|engko|kaula)(?:\s+tolong\w*)*$
        (?:sengko|engko|kaula)\s+(?:e\s*)?(?:sekap|konce|kurung|pokol|siksa|perkosa)\w*
        (?:eancam\s+)?epatee?h?\b
        tak\s+olle\s+kaluar\s+(?:dari\s+)?(?:roma|bengko|kamar|asrama|penampungan)
        \b(?:e\s*konce|ekonce|e\s*pokol|epokol|e\s*ancam|eancam|e\s*kejar|ekejar|e\s*jual|ejual)\b.*\b(?:tolong\w*|majikan|sateya|pisau|piso)\b
        \b(?:tolong\w*|majikan)\b.*\b(?:e\s*konce|ekonce|e\s*pokol|epokol|nyekek)\b
    """,
}
# Indicators of forced labour and trafficking (ILO): deception, being moved or sold, restricted
# movement and contact, withheld wages and documents, debt that never ends, excessive hours,
# intimidation; and abuse (physical, sexual, verbal). A message that shows one is a report,
# whatever the model read (a question about passports or costs is not: the patterns need the
# act itself). The first matching block wins: the more specific reading comes first.
_INDICATORS = {
    # checked first: deception, being moved or sold, forced work (the more specific reading)
    "report_trafficking": r"""
        \bvisa\s+(?:turis|wisata|kunjungan|ziarah|umroh|umrah|pelancong)\b.*\b(?:dipaksa|dipekso|epaksa|kamboja|myanmar|laos|scam|nipu)\b
        \b(?:dipaksa|dipekso|dipaksakeun|epaksa)\b.*\b(?:nipu|menipu|scam|judi|penipuan|online)\b
        \b(?:kamboja|myanmar|laos)\b.*\b(?:scam|nipu|menipu|penipuan|judi|dipaksa|dipekso|epaksa|disekap|ditahan|dijual)\b
        \b(?:lowongan|loker|tawaran|iklan|info kerja)\b.*\b(?:transfer|etransfer|ditransfer|dikirim|kirim|bayar|mbayar)\b.*\b(?:hilang|ilang|elang|ngilang|ngaleungit|ical|kabur|diblokir|blokir|ngeblok)\b
        \b(?:dijual|didol|ejual|dijual)\s+(?:ke|ning|nang|ka|dhateng|dateng)\b
        ^(?!.*\bdata\b).*\b(?:aku|saya|sy|kula|kulo|abdi|sengko|engko|kaula|anak\w*|adik\w*|adhik\w*|istri\w*|bojo\w*|kakak\w*|mbak\w*|teteh|putri\w*)\b.*\b(?:dijual|didol|ejual|diual|dijualan)\b
        \butang\b.*\b(?:dipotong|motong|potong)\b.*\bgaji\w*.*\b(?:ora|tidak|gak|teu|tak)\s+(?:iso|bisa|tiasa)\s+(?:mulih|pulang|balik|mole|uih)\b
        \b(?:katanya|katane|jarene|jare|jarehe|cenah|ceunah|saurna|ngakunya|dijanjikan|dijanjeni|dijangjian|ejanjiyagi|ejanji)\b.*\b(?:ternyata|jebule|jebul|tibake|taunya|tak taunah|geuning|gening|horeng|malah|padahal)\b.*\b(?:kapal|dijual|didol|ejual|dipaksa|dipekso|dipaksakeun|epaksa|disekap|dikurung|dikunci|ditahan|ditampung|penampungan|dibawa|digowo|digawa|ekeba|dikirim|dikirimke|dioper|diserahke|diserahkan|dipindah|jalur tikus|ilegal|karaoke|hiburan|melayani|tamu|scam|judi|tanpa gaji|gak digaji|ora dibayar)\b
        \b(?:dibawa|digowo|digawa|ekeba|diangkut|dikirim|dioper|diserahke|diserahkan|dipindah\w*)\b.*\b(?:ke|nang|ning|ka|dhateng|e)\s+(?:kapal|perahu|hutan|pulau|tengah laut|perbatasan|negara lain|nagara sejen|negoro liyo)\b
        \b(?:dipaksa|dipekso|dipeksa|dipaksakeun|kapaksa|epaksa)\s+(?:kerja|kerjo|gawe|nyambut gawe|makarya|damel|digawe|alako|nemenin|menemani|melayani|ngelayani|ngalayanan|layani|jual diri|karaoke|nyanyi|minum|tidur|turu|sare|berhubungan|nikah|kawin|nipu)\b
        \bjalur\s+(?:tikus|belakang|ilegal)\b.*\b(?:dibawa|digowo|digawa|diliwatke|dilewatkan|dilewatin|ekeba|dikirim|diserahke|diserahkan|lewat|liwat)\b
        \b(?:dibawa|digowo|digawa|diliwatke|dilewatkan|dilewatin|ekeba|dikirim|diserahke|diserahkan)\b.*\bjalur\s+(?:tikus|belakang|ilegal)\b
    """,
    "report_exploitation": r"""
        \bpaspor\w*\b.*\b(?:ditahan|disita|diambil|dipegang|disimpan|disimpen|digowo|dicekel|dicepeng|ditahen|ekala|ekalak|etahan|ekeba)\b
        \b(?:majikan|agen|agency|agensi|sponsor|bos|pt)\b.*\b(?:nahan|menahan|nyimpen|nyekel|megang|nahen|nyepeng|ngala|nyita)\b.*\bpaspor
        \b(?:gaji|gajih|gajiku|gajine|gajina|bayaran|bayaranku|upah|bajaran|pesse)\w*\b.*\b(?:tidak|tdk|gak|ga|gk|nggak|belum|blm|ora|durung|dereng|mboten|teu|acan|tak|ta|lom)\s+(?:di|e)?(?:bayar|bayarkan|mbayar|bayarkeun|kirim|turun|cair|majar|bajar)\w*
        \b(?:tidak|gak|ga|nggak|ora|mboten|teu|tak|ta)\s+(?:di|e)?(?:bayar|mbayar|majar|bajar)\w*\s+(?:gaji|gajih|bayaran|upah)
        \b(?:belum|gak|ga|ora|durung|teu|tak|ta)\s+(?:di|e)?gaji\b.*\b(?:bulan|sasi|bulen|taun|tahun)\b
        \bkerja\s+(?:1[6-9]|2[0-4])\s+jam\b
        \b(?:tanpa|ora\s+oleh|ora\s+entuk|teu\s+kenging|tak\s+olle)\s+(?:libur|prei|pere|istirahat|perei)\b
        \b(?:gaji|gajih|gajiku|gajine|gajina|bayaran|upah|pesse)\w*\b.*\b(?:ditahan|ditahen|dicekel|disimpen|disimpan|dipegang|ga dikasih|gak dikasih|ora diwenehi|ora dikei|teu dibere|ta eberri|tak eberri|dipotong\s+(?:semua|kabeh|sadayana|kabbhi|terus|trus))\b
        \b(?:kerja|kerjo|gawe|nyambut gawe|damel|digawe|alako|nyambut damel)\b.*\b(?:tanpa|ora|gak|ga|tidak|teu|ta|tak)\s+(?:di|e)?(?:gaji|bayar|gajih|bajar)\b
        \b(?:gak|ga|tidak|tdk|nggak|ora|mboten|teu|henteu|ta|tak)\s+(?:boleh|oleh|entuk|pareng|kenging|meunang|olle)\s+(?:pulang|mulih|mantuk|balik|uih|wangsul|mole|abali)\b
        \b(?:gak|ga|tidak|tdk|nggak|ora|mboten|teu|henteu|ta|tak)\s+(?:boleh|oleh|entuk|pareng|kenging|meunang|olle)\s+(?:keluar|metu|medal|kaluar|ka luar|kalowar|pegang hp|nyekel hp|ngangge hp|make hp|nelpon|telpon|telepon|kontak|hubungi|ngabari)\b
        \b(?:hp|hape|handphone|ponsel|telepon)\w*\b.*\b(?:disita|dirampas|ditahan|dicekel|dijupuk|dipek|dicokot|dicandak|ekala|erampas|disimpen majikan|disimpan majikan)\b
        \b(?:majikan|agen|agency|agensi|sponsor|bos|pt|calo|tekong)\b.*\b(?:nyita|ngrampas|nyimpen|nahan)\b.*\b(?:hp|hape|handphone|ponsel)\b
        \b(?:gak|ga|tidak|tdk|nggak|ora|mboten|teu|henteu|ta|tak)\s+(?:di|e)?(?:kasih|kasi|wenehi|dikei|dibere|dipasihan|eberri|beri)\s+(?:makan|mangan|maem|tuang|dahar|neda|ngakan|ngakana)\b
        \b(?:makan|mangan|tuang|dahar|neda|ngakan)\s+(?:sehari\s+|sedina\s+|sapoe\s+|sahari\s+)?(?:cuma|cma|mung|namung|ngan|ukur|pera|hanya)\s+(?:sekali|sekali sehari|sepisan|sapisan|sakali|sakale|roti|mie)\b
        \b(?:tidur|turu|sare|kulem|tedung)\s+(?:cuma|cma|mung|namung|ngan|ukur|pera|hanya)\s+(?:[1-4]|satu|dua|tiga|siji|loro|telu|hiji|tilu|settong|duwa|tello)\s+jam\b
        \b(?:utang|hutang|utange|utangna|potongan)\w*\b.*\b(?:gak|ga|tidak|tdk|ora|teu|henteu|ta|tak)\s+(?:lunas|lunas2|habis|entek|rampung|mari|beres|lebar|tuntas|mare)\b
        \b(?:diancam|diancem|diancam|eancam|ngancam|ngancem)\b.*\b(?:dipolisikan|dilaporin|dilaporkan|lapor polisi|dipenjara|dideportasi|dipulangkan|dipulangke|dipulangkeun|dipecat|denda|ga digaji|gak digaji|ora dibayar|visa|dibatalkan)\b
    """,
    # abuse by an employer, agent or partner, past or present (a present danger is emergency)
    "report_violence": r"""
        \b(?:dipukul\w*|ditampar|ditempeleng|ditendang|dijambak|dicubit|disiram|disiram air panas|digebuk\w*|digebug\w*|diantem\w*|ditapuk|ditabok|dipencok|ditajong|ditampiling|dipukulan|diteunggeul|epokol|etampar|etendang|ekeplak|dikeplak|dipithes|diseterika|disetrika|ditusuk)\b
        \b(?:majikan\w*|nyonya|madam|mam|tuan|bos|boss|agen|mandor|suami\w*|bojo\w*|salaki\w*|lakeh|anak majikan|kakek|nenek|sir)\b.*\b(?:mukul\w*|nampar|nempeleng|nendang|njambak|nyiksa|ngantemi|nggebugi|nggebuk\w*|neunggeul|nampiling|nabok|mokol|nyiram|nyubit|nyiksa|ngaraba|nggrepe\w*|ngrangkul|meluk|mencium|nyium|ngintip)\b
        \b(?:dilecehkan|dilecehin|dilecehkeun|dilecehke|pelecehan|diraba\w*|digrepe\w*|digerayangi|diremas|dipegang\s*(?:pegang|2)|dicabuli|dicabul|diperkosa|diperkosa|diperkosa|dipaksa\s+(?:tidur|turu|berhubungan|hubungan|ml|begituan)|diajak\s+(?:tidur|turu|sare|begituan|ml)|dicium\s+paksa|egrepe|eraba|ediperkosa|diintip|diintipi|diintip\w*)\b
        \b(?:dimaki\w*|dicaci\w*|dihina\w*|dikatain|dikata-katain|dikatai|diseneni\s+terus|dipisuhi|disebut\s+anjing|dibilang\s+(?:anjing|babi|bodoh|goblok|monyet)|dikatakeun\s+(?:anjing|bodo)|eca\w*\s+(?:patek|bodo))\b
        \b(?:kdrt|kekerasan\s+dalam\s+rumah\s+tangga|kekerasan\s+seksual)\b
    """,
}
INDICATORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(line.strip()))
    for intent, block in _INDICATORS.items()
    for line in block.strip().splitlines()
    if line.strip()
)
DANGER: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (lang, re.compile(line.strip()))
    for lang, block in _PATTERNS.items()
    for line in block.strip().splitlines()
    if line.strip()
)
_PUNCT = re.compile(r"[^\w\s']")
_REPEAT = re.compile(r"(\w)\1{2,}")


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, emphasis ("tolooong") collapsed, apostrophes dropped."""
    lowered = _PUNCT.sub(" ", text.lower().replace("’", "'")).replace("'", "")
    return " ".join(_REPEAT.sub(r"\1", lowered).split())


def danger_match(text: str) -> str | None:
    """The pattern that marks `text` as a present danger, or None."""
    words = normalise(text)
    for _lang, pattern in DANGER:
        if pattern.search(words):
            return pattern.pattern
    return None


def indicator_match(text: str) -> str | None:
    """The report intent a forced-labour indicator in `text` points to, or None."""
    words = normalise(text)
    for intent, pattern in INDICATORS:
        if pattern.search(words):
            return intent
    return None
