"""Each rule on its own: what it catches, what it leaves alone, what it tells a moderator."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from moderation.config import RulesSettings, SettingsError, load_settings
from moderation.pipeline.rules import (
    ARTICLE_SETTINGS,
    PUBLIC_CODES,
    RuleContext,
    build_rules,
    run_rules,
)
from moderation.pipeline.rules.article import ArticleClosedRule, ArticlePremoderatedRule
from moderation.pipeline.rules.author import (
    AnonymousPremoderatedRule,
    BannedAuthorRule,
    DuplicateRule,
    NewAuthorRule,
    RateRule,
)
from moderation.pipeline.rules.length import LengthRule
from moderation.pipeline.rules.links import LinkRule, find_links
from moderation.pipeline.rules.noise import (
    RepeatedCharactersRule,
    RepeatedWordsRule,
    ShoutingRule,
)
from moderation.pipeline.rules.patterns import (
    Pattern,
    PatternFileError,
    PatternRule,
    load_patterns,
)
from moderation.pipeline.rules.personal import PersonalDataRule
from moderation.pipeline.rules.terms import TermListRule
from moderation.pipeline.rules.wordlists import (
    WordListError,
    WordLists,
    WordListSource,
    request_reload,
)
from moderation.pipeline.verdict import RuleHit


def suspect_rule(*terms: str, allow: tuple[str, ...] = ()) -> TermListRule:
    lists = WordLists.of(suspect=terms, allow=allow)
    return TermListRule("suspect_terms", lists, "suspect", "hold", "suspect term", "review")


def check(rule: object, text: str, **context: object) -> list[RuleHit]:
    return rule.check(RuleContext(text, **context))  # type: ignore[attr-defined, arg-type]


class TestTerms:
    def test_hit_names_the_term_and_how_it_was_written(self) -> None:
        [hit] = check(suspect_rule("idiot"), "What an 1D10T, really")
        assert hit.message == "suspect term 'idiot', written '1D10T'"
        assert hit.spans == ((8, 13),)
        assert hit.action == "hold"

    def test_every_occurrence_is_a_span_of_one_hit(self) -> None:
        [hit] = check(suspect_rule("idiot"), "idiot, i.d.i.o.t and IDIOT")
        assert hit.spans == ((0, 5), (7, 16), (21, 26))

    def test_allow_list_phrase_hides_the_term_inside_it(self) -> None:
        rule = suspect_rule("dick", allow=("moby dick",))
        assert check(rule, "Moby Dick is long") == []
        assert len(check(rule, "what a dick")) == 1

    def test_whole_words_only(self) -> None:
        rule = suspect_rule("ass", "cunt")
        for text in ("assess", "class", "Scunthorpe", "bass guitar", "glass"):
            assert check(rule, text) == [], text

    def test_stretched_double_letter_needs_a_real_run(self) -> None:
        rule = suspect_rule("ass")
        assert check(rule, "as if") == []
        assert len(check(rule, "asssss")) == 1

    def test_stray_one_letter_words_beside_spaced_letters(self) -> None:
        rule = suspect_rule("fuck", "ass")
        assert len(check(rule, "a f u c k")) == 1
        assert check(rule, "c l a s s") == []  # letters of an innocent word stay innocent

    def test_language_is_named_outside_english(self) -> None:
        lists = WordLists.of(suspect=["merde"], language="fr")
        rule = TermListRule("suspect_terms", lists, "suspect", "hold", "suspect term", "x")
        [hit] = check(rule, "Merde alors")
        assert hit.message == "suspect term 'merde' (fr)"

    def test_empty_list_finds_nothing(self) -> None:
        assert check(suspect_rule(), "anything at all") == []


class TestHotReload:
    def write(self, folder: Path, terms: str) -> None:
        path = folder / "en" / "suspect.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(terms, encoding="utf-8")

    def test_a_changed_file_is_read_after_the_check_interval(self, tmp_path: Path) -> None:
        now = [0.0]
        self.write(tmp_path, "alpha\n")
        source = WordListSource(tmp_path, ["en"], check_seconds=2.0, clock=lambda: now[0])
        rule = TermListRule("suspect_terms", source, "suspect", "hold", "suspect term", "x")
        assert len(check(rule, "alpha beta")) == 1

        self.write(tmp_path, "# now beta\nbeta\n")
        path = tmp_path / "en" / "suspect.txt"
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
        now[0] = 1.0  # too soon to look again
        assert [hit.message for hit in check(rule, "alpha beta")] == ["suspect term 'alpha'"]
        now[0] = 3.0
        assert [hit.message for hit in check(rule, "alpha beta")] == ["suspect term 'beta'"]

    def test_reload_reads_at_once(self, tmp_path: Path) -> None:
        self.write(tmp_path, "alpha\n")
        source = WordListSource(tmp_path, ["en"], check_seconds=0)
        rule = TermListRule("suspect_terms", source, "suspect", "hold", "suspect term", "x")
        self.write(tmp_path, "gamma\n")
        assert len(check(rule, "gamma")) == 0  # 0: never looks by itself
        source.reload()
        assert len(check(rule, "gamma")) == 1

    def test_request_reload_reaches_every_source(self, tmp_path: Path) -> None:
        now = [0.0]
        self.write(tmp_path, "alpha\n")
        source = WordListSource(tmp_path, ["en"], check_seconds=1.0, clock=lambda: now[0])
        before = source.current().version
        request_reload(tmp_path)
        now[0] = 2.0
        assert source.current().version == before + 1

    def test_a_broken_file_keeps_the_lists_in_use(self, tmp_path: Path) -> None:
        self.write(tmp_path, "alpha\n")
        source = WordListSource(tmp_path, ["en"], check_seconds=0)
        (tmp_path / "en" / "suspect.txt").write_bytes(b"\xff\xfe broken")
        assert [term.text for term in source.reload().suspect] == ["alpha"]
        with pytest.raises(WordListError, match=r"suspect\.txt"):
            WordListSource(tmp_path, ["en"])

    def test_missing_language_folder_is_an_empty_list(self, tmp_path: Path) -> None:
        source = WordListSource(tmp_path, ["xx"])
        assert source.current().suspect == ()


class TestPatterns:
    def test_pattern_runs_on_normalised_text_and_reports_original_spans(self) -> None:
        import regex  # type: ignore[import-untyped]

        rule = PatternRule(
            [Pattern("threat", regex.compile(r"\bi will hurt you\b"), "hold", "threat", "x")],
            50,
        )
        [hit] = check(rule, "Listen. I  W1LL hurt you.")
        assert (hit.rule_id, hit.message, hit.spans) == ("threat", "threat", ((8, 24),))

    def test_required_words_spare_the_pattern(self) -> None:
        import regex

        slow = Pattern("slow", regex.compile(r"(x+x+)+y"), "hold", "m", "x", True, ("zzz",))
        assert check(PatternRule([slow], 20), "x" * 5000) == []  # never ran: no "zzz"

    def test_default_patterns(self) -> None:
        rules = build_rules(load_settings(environ={}).rules)
        ids = {hit.rule_id for hit in run_rules(rules, RuleContext("I'll kill you"))}
        assert "threat_to_kill" in ids  # the threat family (tests/unit/test_threats.py)
        for text in ("go hang yourself", "Do us all a favour and hang yourself"):
            ids = {hit.rule_id for hit in run_rules(rules, RuleContext(text))}
            assert "self_harm_incitement" in ids, text
        # "favour" without the imperative after it is no incitement
        ids = {hit.rule_id for hit in run_rules(rules, RuleContext("do me a favour and ask"))}
        assert "self_harm_incitement" not in ids

    def test_catastrophic_pattern_is_cut_off_and_holds(self) -> None:
        import regex

        # on the original text: normalisation would squash the run of x to one letter
        slow = Pattern("slow", regex.compile(r"(x+x+)+y"), "reject", "never", "x", True)
        rule = PatternRule([slow], 20)
        [hit] = check(rule, "x" * 5000)
        assert hit.rule_id == "pattern_timeout"
        assert hit.action == "hold"
        assert "slow" in hit.message

    def test_pattern_file(self, tmp_path: Path) -> None:
        path = tmp_path / "patterns.toml"
        path.write_text(
            '[[pattern]]\nid = "p"\npattern = "abc"\naction = "reject"\nmessage = "m"\n'
            'text = "original"\n',
            encoding="utf-8",
        )
        [pattern] = load_patterns(path)
        assert (pattern.id, pattern.action, pattern.on_original) == ("p", "reject", True)
        assert pattern.requires == ()
        assert load_patterns(tmp_path / "absent.toml") == []

    @pytest.mark.parametrize(
        "body",
        [
            '[[pattern]]\nid = "p"\npattern = "("\nmessage = "m"\n',
            '[[pattern]]\nid = "p"\npattern = "a"\nmessage = "m"\naction = "ban"\n',
            '[[pattern]]\nid = "p"\nmessage = "m"\n',
        ],
    )
    def test_bad_pattern_file_names_the_pattern(self, tmp_path: Path, body: str) -> None:
        path = tmp_path / "patterns.toml"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(PatternFileError, match="pattern p"):
            load_patterns(path)


class TestLinks:
    def test_denied_domain_rejects(self) -> None:
        rule = LinkRule("outside_allow_list", [], 5, deny_domains=["spam.com"])
        hits = check(rule, "see https://shop.spam.com/x now")
        assert [(hit.rule_id, hit.action, hit.public_code) for hit in hits] == [
            ("link_denied", "reject", "spam")
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "see https://spam.com, now",
            "see (https://spam.com) now",
            "see www.spam.com! now",
            "see [www.spam.com]. now",
            'see "spam.com" now',
            "see SPAM.COM now",
            "see https://spam.com/offer?id=1. now",
        ],
    )
    def test_punctuation_around_a_link_is_not_part_of_it(self, text: str) -> None:
        rule = LinkRule("off", [], 5, deny_domains=["spam.com"])
        [hit] = check(rule, text)
        assert hit.message == "link to a denied domain: spam.com"
        [(start, end)] = hit.spans
        assert text[start:end].lower().split("/offer")[0].endswith("spam.com")
        assert text[end - 1] not in ",)!]." and text[end - 1] != '"'

    def test_a_bracket_the_link_opened_stays(self) -> None:
        text = "(see https://en.wikipedia.org/wiki/Python_(language))"
        [link] = find_links(text)
        assert text[link.start : link.end] == "https://en.wikipedia.org/wiki/Python_(language)"
        assert (link.host, link.domain) == ("en.wikipedia.org", "wikipedia.org")

    @pytest.mark.parametrize(
        ("text", "domain"),
        [
            ("buy at cheap-pills.shop today", "cheap-pills.shop"),
            ("read news.co.uk", "news.co.uk"),
            ("CNN.com says so", "cnn.com"),
            ("go to bit.ly/abc", "bit.ly"),
            ("www.example.xyz", "example.xyz"),
        ],
    )
    def test_bare_domains_of_any_ending_are_links(self, text: str, domain: str) -> None:
        assert [link.domain for link in find_links(text)] == [domain]

    @pytest.mark.parametrize(
        "text",
        [
            "see the file report.txt",
            "as usual, e.g. today",
            "the vote.It was close",  # a missing space after a full stop
            "version 3.14.159",
            "edited by 190.162.52.196",
            "write to joe@example.com",
            "U.S. officials",
        ],
    )
    def test_what_is_not_a_link(self, text: str) -> None:
        assert find_links(text) == [] or text.startswith("write")
        assert check(LinkRule("all", [], 0), text) == []

    def test_the_suffix_list_is_the_bundled_snapshot(self) -> None:
        from moderation.pipeline.rules.links import _extractor

        assert _extractor().suffix_list_urls == ()  # never downloaded

    def test_allowed_domain_passes_and_others_hold(self) -> None:
        rule = LinkRule("outside_allow_list", ["news.com"], 5)
        assert check(rule, "read www.news.com/story and en.news.com") == []
        [hit] = check(rule, "read www.other.com/story")
        assert hit.message == "link to other.com"

    def test_an_author_with_approved_comments_may_link(self) -> None:
        rule = LinkRule("outside_allow_list", [], 1, ["spam.com"], hold_until_approved=1)
        text = "see other.com and more.com"
        assert {hit.rule_id for hit in check(rule, text, author_approved_count=0)} == {
            "links",
            "too_many_links",
        }
        assert len(check(rule, text)) == 2  # an unknown record holds
        assert check(rule, text, author_approved_count=1) == []
        [hit] = check(rule, "see spam.com", author_approved_count=50)
        assert hit.rule_id == "link_denied"
        article = {"link_hold_until_approved": 0}
        assert check(rule, text, author_approved_count=9, article_rules=article)

    def test_the_default_allow_list_covers_reference_sites(self) -> None:
        rules = build_rules(load_settings(environ={}).rules)
        for text in ["https://en.wikipedia.org/wiki/Budget", "youtu.be/xyz", "www.nasa.gov"]:
            hits = run_rules(rules, RuleContext(text, author_approved_count=0))
            assert [hit.rule_id for hit in hits] == [], text

    def test_email_domain_is_not_a_link(self) -> None:
        assert check(LinkRule("all", [], 5), "write to joe@example.com") == []

    def test_too_many_links(self) -> None:
        rule = LinkRule("off", [], 1)
        [hit] = check(rule, "a.com and b.com")
        assert hit.rule_id == "too_many_links"


class TestNoise:
    def test_shouting(self) -> None:
        rule = ShoutingRule(20, 0.7)
        [hit] = check(rule, "THIS IS COMPLETELY OUTRAGEOUS AND WRONG")
        assert hit.rule_id == "shouting" and "capitals" in hit.message
        assert check(rule, "NASA and the FBI said on Monday that nothing had changed") == []
        assert check(rule, "OK!") == []  # too few letters to judge
        assert len(check(rule, "ÇA SUFFIT MAINTENANT, ARRÊTEZ TOUT ÇA")) == 1

    def test_repeated_characters(self) -> None:
        rule = RepeatedCharactersRule(12)
        [hit] = check(rule, "nooooooooooooooooo")
        assert hit.message == "'o' repeated 17 times (more than 12)"
        assert check(rule, "well...... fine!!!") == []
        assert check(rule, "-" * 40 + " and " + "." * 20 + " and " + "=" * 30) == []
        assert len(check(rule, "what?????????????????")) == 1

    def test_repeated_words(self) -> None:
        rule = RepeatedWordsRule(4)
        [hit] = check(rule, "BUY buy Buy buy buy now")
        assert hit.message == "'buy' repeated 5 times in a row"
        assert check(rule, "very very very good") == []


class TestLength:
    def test_bounds(self) -> None:
        rule = LengthRule(3, 10)
        assert check(rule, "  ok ")[0].message == "too short: 2 characters (at least 3)"
        assert check(rule, "x" * 11)[0].message == "too long: 11 characters (at most 10)"
        assert check(rule, "just fine") == []
        assert check(LengthRule(1, 0), "x" * 100_000) == []


class TestPersonalData:
    @pytest.mark.parametrize(
        "text",
        [
            "mail me: jane.doe+news@mail.example.org",
            "call 212-555-0143",
            "call +44 20 7946 0958",
            "appelez le 06 12 34 56 78",
            "(212) 555-0143 after six",
            "0612345678",  # a French mobile, written as one run
            "ruf an: 015112345678",  # a German mobile
            "2025550143",  # Washington, D.C.
            "+964 770 123 4567",  # Iraq: international numbers of any country
        ],
    )
    def test_held(self, text: str) -> None:
        [hit] = check(PersonalDataRule(), text)
        assert hit.action == "hold" and hit.public_code == "personal_data"
        assert hit.spans

    @pytest.mark.parametrize(
        "text",
        [
            "from 2019-2020 on",
            "costs 1 000 000 000 dollars",
            "1,000,000,000 people",
            "call me at 5 pm",
            "@newsdesk on social media",
            "version 3.14.159",
            "edited by 190.162.52.196",
            "signed 96.59.223.143 15:02",
            "ISBN 978-5-98227-158-7",
            "revision 1370373165583",
            "see /2015/03/25/1348923",
            "in 1993 1994 1995",
            "order 123-456-789",
            "call 555-123-4567",  # 555 is no area code
        ],
    )
    def test_not_held(self, text: str) -> None:
        assert check(PersonalDataRule(), text) == []


class TestAuthorAndArticle:
    def test_banned_author_rejected(self) -> None:
        [hit] = check(BannedAuthorRule(), "hello", author_banned=True)
        assert (hit.action, hit.public_code) == ("reject", "author_banned")
        assert check(BannedAuthorRule(), "hello") == []

    def test_new_author_held_only_when_known(self) -> None:
        rule = NewAuthorRule(3)
        assert check(rule, "hi", author_approved_count=1)[0].message == (
            "new author: 1 approved comments (fewer than 3)"
        )
        assert check(rule, "hi", author_approved_count=3) == []
        assert check(rule, "hi") == []  # unknown: the caller did not load it

    def test_rate(self) -> None:
        assert check(RateRule(5), "hi", recent_count_last_minute=4) == []
        [hit] = check(RateRule(5), "hi", recent_count_last_minute=5)
        assert hit.message == "6 comments in the last minute (at most 5)"

    def test_duplicates(self) -> None:
        rule = DuplicateRule(0.9)
        text = "The council should publish the full budget before the vote."
        [same] = check(rule, text, recent_texts=("something else", text))
        assert same.message == "the same as a recent comment by the same author"
        near = "the COUNCIL should publish the full budget before the vote!!"
        assert len(check(rule, near, recent_texts=(text,))) == 1
        other = "I disagree with the mayor about the new bridge project."
        assert check(rule, other, recent_texts=(text,)) == []

    def test_article_state(self) -> None:
        [closed] = check(ArticleClosedRule(), "hi", article_closed=True)
        assert (closed.action, closed.public_code) == ("reject", "comments_closed")
        [held] = check(ArticlePremoderatedRule(), "hi", article_premoderate=True)
        assert held.holds_trusted
        assert check(ArticleClosedRule(), "hi") == check(ArticlePremoderatedRule(), "hi") == []

    def test_anonymous_authors_held_only_where_the_site_premoderates_them(self) -> None:
        rule = AnonymousPremoderatedRule()
        [held] = check(rule, "hi", site_anonymous="premoderate")
        assert (held.action, held.public_code, held.holds_trusted) == (
            "hold",
            "premoderation",
            True,
        )
        assert check(rule, "hi", site_anonymous="premoderate", author_verified=True) == []
        assert check(rule, "hi", site_anonymous="allow") == check(rule, "hi") == []


class TestSettings:
    def test_environment_overrides_rule_settings(self) -> None:
        environ = {
            "MODERATION_RULES_MAX_LENGTH": "100",
            "MODERATION_RULES_LINK_DENY_DOMAINS": "spam.example, scam.example",
            "MODERATION_RULES_PERSONAL_DATA": "off",
            "MODERATION_RULES_SHOUTING_CAPITALS_SHARE": "0.8",
        }
        rules = load_settings(environ=environ).rules
        assert rules.max_length == 100
        assert rules.link_deny_domains == ["spam.example", "scam.example"]
        assert rules.personal_data is False
        assert rules.shouting_capitals_share == 0.8

    @pytest.mark.parametrize(
        ("variable", "value", "setting"),
        [
            ("MODERATION_RULES_DUPLICATE_SIMILARITY", "1.5", "rules.duplicate_similarity"),
            ("MODERATION_RULES_MAX_REPEATED_WORDS", "-1", "rules.max_repeated_words"),
            ("MODERATION_RULES_LANGUAGES", "en,xx", "rules.languages"),
            ("MODERATION_RULES_PHONE_REGIONS", "GB,XX", "rules.phone_regions"),
            ("MODERATION_RULES_LINK_HOLD_UNTIL_APPROVED", "-1", "rules.link_hold_until_approved"),
        ],
    )
    def test_bad_values_name_the_setting(self, variable: str, value: str, setting: str) -> None:
        with pytest.raises(SettingsError, match=setting):
            load_settings(environ={variable: value})

    def test_every_public_code_is_documented(self) -> None:
        rules = build_rules(
            load_settings(environ={}, overrides={"rules": {"premoderate_new_authors": True}}).rules
        )
        codes = {getattr(rule, "public_code", None) for rule in rules} - {None}
        assert codes <= set(PUBLIC_CODES)
        assert {"spam", "links"} <= set(PUBLIC_CODES)


class TestDefaultRuleSet:
    def rules(self, **rules: object) -> list:  # type: ignore[type-arg]
        return build_rules(load_settings(environ={}, overrides={"rules": rules}).rules)

    def test_all_rules_run_and_none_short_circuits(self) -> None:
        text = "KILL YOURSELF AND CALL 212-555-0143 AT WWW.SPAM-SHOP.RU NOW"
        ids = {hit.rule_id for hit in run_rules(self.rules(), RuleContext(text))}
        assert {"banned_terms", "personal_data", "links", "shouting"} <= ids

    def test_switches(self) -> None:
        rules = self.rules(personal_data=False, shouting_min_letters=0)
        text = "CALL ME ON 555-123-4567, THIS IS ALL IN CAPITALS AND LOUD"
        assert run_rules(rules, RuleContext(text)) == []
        held = self.rules(premoderate_new_authors=True)
        [hit] = run_rules(held, RuleContext("hello there", author_approved_count=0))
        assert hit.rule_id == "new_author"

    def test_an_article_overrides_site_settings(self) -> None:
        rules = self.rules(personal_data=False, max_links=5)
        text = "mail joe@example.com, see a.com b.com"
        assert {hit.rule_id for hit in run_rules(rules, RuleContext(text))} == {"links"}
        article = {"personal_data": True, "max_links": 1, "link_allow_domains": ["a.com", "b.com"]}
        ids = {hit.rule_id for hit in run_rules(rules, RuleContext(text, article_rules=article))}
        assert ids == {"personal_data", "too_many_links"}

    def test_article_settings_of_the_wrong_type_are_ignored(self) -> None:
        rules = self.rules()
        article = {"max_length": "short", "premoderate_new_authors": "yes", "min_length": 5}
        hits = run_rules(rules, RuleContext("hi", author_approved_count=0, article_rules=article))
        assert [hit.message for hit in hits] == ["too short: 2 characters (at least 5)"]

    def test_article_settings_are_known_settings(self) -> None:
        names = {field.name for field in dataclasses.fields(RulesSettings)}
        assert names >= ARTICLE_SETTINGS

    def test_benign_comment_has_no_hits(self) -> None:
        text = "Thanks for the clear explanation of the budget."
        assert run_rules(self.rules(), RuleContext(text)) == []
