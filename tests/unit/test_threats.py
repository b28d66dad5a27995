"""The threat rules (config/rules/<language>/threats.toml) against their tuning cases.

These cases tuned the patterns. The evaluation set is kept apart (Jigsaw's threat-labelled
rows and bench/data/threats_written.csv, measured by `make eval`), so its figure says how the
rules do on threats they were not written against.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from moderation.config import load_settings, resolve_path
from moderation.pipeline.rules import RuleContext
from moderation.pipeline.rules.threats import (
    ThreatFileError,
    ThreatRule,
    ThreatSet,
    load_threats,
)
from moderation.pipeline.verdict import RuleHit


@cache
def default_threats() -> ThreatRule:
    settings = load_settings(environ={}).rules
    threats = load_threats(resolve_path(settings.word_lists_dir), settings.languages)
    return ThreatRule(threats, 200.0)  # generous: the suite shares a busy machine


def hits(text: str) -> list[RuleHit]:
    return default_threats().check(RuleContext(text))


def action(text: str) -> str | None:
    """The strictest threat action for `text`, or None."""
    found = {hit.action for hit in hits(text)}
    return "reject" if "reject" in found else "hold" if found else None


REJECTED = [
    # explicit: the author means to kill, maim or rape the reader
    "I will kill you",
    "I'll kill you.",
    "ill kill ya",
    "I'm going to kill you and your family",
    "im gonna murder you",
    "I will fucking kill you",
    "I'm going to shoot you in the head",
    "We will find you and slit your throat",
    "I swear I'll stab you",
    "I am going to rape your wife",
    "I W1LL K1LL Y0U",
    "I’ll kill you",  # typographic apostrophe
    "i kill you",
    # French
    "Je vais te tuer",
    "je vais te buter sale con",
    "je te tuerai",
    "On va te crever",
    "Je vais te violer",
    # German
    "Ich bring dich um",
    "Ich werde dich umbringen",
    "ich werde dich morgen abstechen",
    "Ich knall dich ab",
    "Ich werde dich vergewaltigen",
    # Spanish
    "Te voy a matar",
    "voy a matarte",
    "te mataré, cabrón",
    "Te vamos a pegar un tiro",
    "te voy a violar",
    # the second round of tuning: general forms, written without the evaluation set
    "gonna kill you, just wait",
    "imma shoot you",
    "I'll shoot up the office",
    "I'll blow up your office",  # the third round
    "J'aurai ta peau",
    "je vais passer chez toi pour te buter",
    "Ich prügel dich krankenhausreif",
    "Te voy a meter un balazo",
    "voy a quemar tu casa",
    # Arabic (config/rules/ar/threats.toml): MSA, Iraqi, Levantine, Egyptian forms
    "سأقتلك يا صحفي",
    "والله راح اكتلك",
    "سوف أذبحك",
    "بقتلك اذا شفتك",
    "هقتلك",
    "سأقطع رأسك",
    "راح اغتصبك",
]

HELD = [
    # hurting, finding, visiting
    "I will find where you live and hurt you.",
    "I will hurt you.",
    "I'm going to beat you up",
    "I will fuck you up",
    "I'll kick your ass",
    "I'm coming for you",
    "I will hunt you down",
    "I know where you live",
    "i no where u live",
    "I'll come to your house tonight",
    "I'm going to kill him",
    # told they will die
    "You're dead",
    "you are a dead man",
    "You will die in 7 days.",
    "Your days are numbered",
    "you better watch your back",
    # incitement
    "Someone should shoot him",
    "somebody needs to kill them",
    "This man should be shot for war crimes",
    "they all deserve to die",
    "who deserved to be shot dead",
    # death wishes
    "I hope you die",
    "I hope your dog dies",
    "i hope they kill her",
    "go die in a fire",
    "Fuck off and die",
    "Death to the infidels",
    "kill all the journalists",
    # French
    "Je sais où tu habites",
    "je vais te retrouver",
    "je vais te casser la gueule",
    "Quelqu'un devrait le tuer",
    "t'es mort",
    "J'espère que tu vas crever",
    # German
    "Ich weiß, wo du wohnst",
    "Ich finde dich",
    "ich werde dich verprügeln",
    "Jemand sollte ihn erschießen",
    "Du bist tot",
    "Ich hoffe, du verreckst",
    # Spanish
    "Sé dónde vives",
    "te voy a encontrar",
    "te voy a romper la cara",
    "Alguien debería matarlo",
    "Estás muerto",
    "Ojalá te mueras",
    # the second round of tuning: general forms, written without the evaluation set
    "you're next",
    "Will break your legs next time.",
    "I'm going to put you in the hospital",
    "Enjoy your final hours, clown",
    "You are going to end up in a body bag",
    "Somebody please shoot that idiot",
    "Every last one of them must die",
    "I want you dead",
    "I'd love to see them hang",
    "I hope you catch covid and die",
    "Die, you parasite.",
    "I'll get you for this",
    "Vous méritez de crever",
    "Ils devraient tous être fusillés",
    "Crève, pourriture",
    "Je vais te casser les dents",
    "Den sollte man an die Wand stellen",
    "Wir wissen, wo deine Frau arbeitet",
    "Die gehören alle aufgehängt",
    "Que le peguen un tiro",
    "Que lo maten ya",
    # the third round of tuning: general English forms, written without the evaluation set
    # (conditional intent, veiled threats, having someone else do it, "let's", imperatives;
    # telling the reader to kill themselves is the word lists' and patterns.toml's)
    "I'd kill you if I could get away with it",
    "I would punch you in the face if you said that to me",
    "I could strangle you with my bare hands",
    "It would be a shame if something happened to your family",
    "Something bad will happen to you",
    "You'll get what's coming to you",
    "There's a bullet with your name on it",
    "You should fear for your life",
    "You won't live much longer",
    "Pray I never find you",
    "I'll make sure you never walk again",
    "I'll rip you limb from limb",
    "I will tear you to pieces",
    "I'll have you killed",
    "I'll get my boys to beat you",
    "I'm going to put you six feet under",
    "I'll wring your scrawny neck",
    "I'll smack you",
    "I'm going to pound your face in",
    "I will punch your lights out",
    "We'll make you pay for this",
    "You're going to get hurt",
    "I'll beat your ass",
    "I'll bitch slap you",
    "Let's go lynch them",
    "Someone should put a bullet in his head",
    "He needs a good beating",
    "Hang them all.",
    "Traitors. Shoot them.",
    # Arabic
    "اقتلوهم كلهم",
    "يجب قتلهم جميعا",
    "الموت للخونة",
    "ان شاء الله تموت",
    "الله ياخذك",
]

NOT_THREATS = [
    # idioms
    "this traffic is killing me",
    "I could kill for a coffee",
    "I would kill for that view",
    "My mom is going to kill me when she sees this",
    "I'm going to kill it at the presentation",
    "We will kill this bill in committee",
    "Parliament should kill the bill",
    "I'll shoot you an email",
    "I'll beat you at chess",
    "I'll beat you to it",
    "you're dead wrong about the budget",
    "you are dead right",
    "killing time before the match",
    "that joke kills me",
    "I'm dying to see the results",
    "you will die laughing at this sketch",
    "we will all die eventually",
    "I will find you a source for that",
    "I'll hunt down the reference",
    "I'll hit you up later",
    "I will destroy you in the debate",
    "the plan should be executed carefully",
    "the proposal should be shot down",
    "people deserve to die with dignity",
    "live and die by the polls",
    "Kill all subsidies for oil companies",
    "You're next in line for the promotion",
    "I'll get you a copy of the report",
    "Die Regierung hat die Steuern erhöht",
    "Old habits must die before we can change",
    "I'd never hurt you",
    "I will not kill you",
    # idioms near the third round's forms
    "I could beat you at chess any day",
    "I'd hit you up but I'm busy",
    "I could hit you with a dozen sources",
    "Something will happen to your pension if this passes",
    "Let's kill this bill",
    "Let's beat them at the polls",
    "Kill them with kindness",
    "You won't live to see the Leafs win the cup",
    "Shoot them an email",
    "I'll make sure you never miss an issue again",
    "He needs a good night's sleep",
    "You'll get what you paid for",
    "I'll have you know I read the whole report",
    "We should put a bullet point in the summary",
    "We will make you pay less tax, not more",
    "I'll make you pay attention to the numbers",
    "I'll smack the snooze button twice tomorrow",
    "You'll get hurt by these tariffs more than anyone",
    "I'll pound the pavement for this candidate",
    # reporting on a threat
    "He said he would kill her",
    "Police say the man threatened to kill his neighbour",
    "'I will kill you,' he told her, according to the report",
    'The suspect texted: "I will find you"',
    "protesters chanting death to America",
    "The man was shot dead on Monday",
    "the police shot him",
    # other languages
    "Ce bouchon me tue",
    "je vais tuer le temps",
    "Das bringt mich um vor Lachen",
    "Ich sterbe vor Lachen",
    "Este tráfico me está matando",
    "Me muero de risa",
    "voy a matar el tiempo",
    # Arabic: negations, news reports, blessings, the death penalty as a subject
    "لن اقتلك",
    "ما راح اقتلك",
    "قتل الارهابيون عشرة مدنيين في الموصل",
    "الله يرحمه",
    "يجب اعدام الارهابيين بعد محاكمة عادلة",
]


# A first written set, used to find what the patterns missed; every case is caught now.
FIRST_WRITTEN_SET = [
    "Keep writing this garbage and I will personally come to your office and kill you.",
    "Mark my words, I'm going to put a bullet in your head, you traitor.",
    "I know where your kids go to school. Think about that.",
    "We are going to burn your house down with you inside.",
    "One more article like this and I'll break every bone in your body.",
    "I'm going to find you, and when I do you will regret it.",
    "That mayor should be hanged in the town square.",
    "I will rape you and your daughter.",
    "You'd better sleep with one eye open tonight.",
    "I'm going to hunt you down like the dog you are.",
    "Watch your back, we know your car.",
    "You will pay for this with your life.",
    "I hope someone runs you over with a truck.",
    "Next time I see you I will smash your face in.",
    "All these immigrants should be lined up and shot.",
    "I'm coming to your house tonight, leave the door open.",
    "i will stab u if u delete my post again",
    "If I ever meet you I will strangle you with my bare hands.",
    "I will end you.",
    "You're a dead man walking.",
    "The author deserves a bullet.",
    "I'm gonna kill every one of you at that newspaper.",
    "Keep talking and I'll cut your tongue out.",
    "I will make you suffer, I promise.",
    "Your family won't be safe after this.",
    "Let's see how brave you are when I show up at your door.",
    "They should all be gassed.",
    "Je vais te retrouver et te faire la peau.",
    "Continue comme ça et je te tue.",
    "On sait où tu habites, fais attention.",
    "Ce journaliste mérite une balle dans la tête.",
    "Je vais te défoncer la gueule, sale merde.",
    "Il faudrait tous les fusiller.",
    "Tu vas mourir, je te le promets.",
    "J'espère que tu crèveras dans d'atroces souffrances.",
    "Je vais égorger toute ta famille.",
    "Quelqu'un devrait l'abattre comme un chien.",
    "Ich werde dich finden und dann bist du dran.",
    "Ich stech dich ab, du Schwein.",
    "Wir wissen, wo du wohnst.",
    "Der gehört an die Wand gestellt.",
    "Ich bringe dich und deine Familie um.",
    "Man sollte diese Leute alle vergasen.",
    "Pass bloß auf, ich krieg dich.",
    "Ich hoffe, du krepierst langsam.",
    "Ich werde dich totschlagen, wenn ich dich sehe.",
    "Dieser Politiker sollte aufgehängt werden.",
    "Te voy a buscar y te voy a matar.",
    "Sabemos dónde vives, ten cuidado.",
    "Ese periodista merece un tiro.",
    "Voy a romperte la cara cuando te vea.",
    "Ojalá te maten, basura.",
    "Te voy a cortar el cuello.",
    "A todos esos habría que fusilarlos.",
    "Vas a morir, hijo de puta.",
    "Te mataré a ti y a tu familia.",
]


@pytest.mark.parametrize("text", REJECTED)
def test_explicit_threats_are_rejected(text: str) -> None:
    assert action(text) == "reject", [hit.message for hit in hits(text)]


@pytest.mark.parametrize("text", HELD)
def test_threats_are_held(text: str) -> None:
    assert action(text) == "hold", [hit.message for hit in hits(text)]


@pytest.mark.parametrize("text", NOT_THREATS)
def test_idioms_and_reports_are_not_threats(text: str) -> None:
    assert hits(text) == [], [hit.message for hit in hits(text)]


@pytest.mark.parametrize("text", FIRST_WRITTEN_SET)
def test_the_first_written_set_is_caught(text: str) -> None:
    assert hits(text), text


def test_the_hit_explains_itself_and_points_at_the_words() -> None:
    text = "Listen. I  W1LL kill you, idiot."
    [hit] = hits(text)
    assert hit.rule_id == "threat_to_kill"
    assert hit.public_code == "offensive_language"
    assert hit.message.startswith("threatens to kill or maim the reader: 'I W1LL kill you'")
    assert [text[start:end] for start, end in hit.spans] == ["I  W1LL kill you"]


def test_other_languages_are_named() -> None:
    [hit] = hits("Ich bring dich um")
    assert hit.message.endswith("(de)")


def test_a_threat_holds_a_trusted_author_too() -> None:
    assert all(hit.holds_trusted for hit in hits("I will hurt you"))


def test_the_table_is_large_enough() -> None:
    assert len(REJECTED) >= 20 and len(HELD) >= 30 and len(NOT_THREATS) >= 30


def test_a_slow_pattern_holds_with_its_name(tmp_path: Path) -> None:
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "threats.toml").write_text(
        "[[threat]]\nid = 'threat_slow'\nmessage = 'slow'\npattern = '(1+1+)+y'\n",
        encoding="utf-8",
    )
    rule = ThreatRule(load_threats(tmp_path, ["xx"]), 5.0)
    [hit] = rule.check(RuleContext("1" * 3000))  # digits: normalising keeps the run
    assert hit.rule_id == "threat_timeout" and "threat_slow" in hit.message


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[[threat]]\nid = 'a'\nmessage = 'm'\npattern = '{nope}'\n", "nope"),
        ("[[threat]]\nid = 'a'\nmessage = 'm'\npattern = '('\n", "threat a"),
        ("[[threat]]\nid = 'a'\npattern = 'x'\n", "missing message"),
        ("[[threat]]\nid = 'a'\nmessage='m'\npattern='x'\naction='ban'\n", "hold or reject"),
        ("[words]\nx = 'not a list'\n", "[words]"),
        ("not toml", "cannot read"),
    ],
)
def test_a_bad_file_is_named(tmp_path: Path, body: str, named: str) -> None:
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "threats.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ThreatFileError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_threats(tmp_path, ["xx"])


def test_no_file_no_threat_rules(tmp_path: Path) -> None:
    assert load_threats(tmp_path, ["en"]) == ThreatSet()
    assert ThreatRule(ThreatSet(), 20).check(RuleContext("I will kill you")) == []
