"""Voice of the customer that reads like a person: negation and hedging in the churn and praise
cues, testimonial candidates that are specific praise, competitor names proposed for review
(Apple Music found, Windows Mobile and the brand's own name not), the review list on the command
line, and every insight of a simulated month carrying 3-5 quotes (or saying why fewer)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from earful.cli import app
from earful.nlp.feedback import FeedbackClassifier
from earful.nlp.feedback import testimonial_candidate as is_testimonial
from earful.nlp.mentions import CompetitorFinder, parse_lexicon


@pytest.fixture(scope="module")
def clf():
    return FeedbackClassifier().fit()


def test_churn_cues_read_negation_and_hedging(clf):
    texts = ["I'd never leave you for apple music, love the new playlists",
             "I'm not going to cancel my subscription over this",
             "I might cancel my subscription if this keeps happening",
             "Honestly I'm thinking of moving my money to Northwind Bank.",
             "If this isn't sorted this week I'm closing my account.",
             "Please cancel my subscription today, I'm done.",
             "I need to cancel a transfer I sent to the wrong account",
             "I have a fee showing from last time I used my card."]
    assert clf.churn_strength(texts) == [None, None, "hedged", "hedged", "firm", "firm", None, None]
    assert clf.predict(texts[:1])[0] != "churn_threat"
    assert clf.predict(texts[4:5]) == ["churn_threat"]


def test_marketing_opt_out_is_not_churn_but_cancelling_a_subscription_is(clf, shared_data):
    """Real customer tweets (read from the shared data, never copied): asking for an unsubscribe
    link is about marketing e-mail; cancelling a membership or account is leaving."""
    import csv

    rows = {r["tweet_id"]: r["text"] for r in csv.DictReader(
        open(shared_data / "twcs" / "twcs_first5000.csv", encoding="utf-8"))}
    opt_out, leaving = rows["3076"], [rows["1706"], rows["1907"]]
    assert "unsubscribe" in opt_out and all("cancel my" in t for t in leaving)
    assert clf.churn_strength([opt_out] + leaving) == [None, "firm", "firm"]
    assert clf.churn_strength(["Please unsubscribe me from your newsletter", "How do I unsubscribe from these texts?",
                               "I want to cancel my Premium subscription, it's not worth it"]) == [None, None, "firm"]


def test_praise_that_is_negated_is_not_praise(clf):
    assert clf.predict(["The service was not great", "Wasn't very helpful today", "Excellent service from Tom"]) == [
        "other", "other", "praise"]


def test_testimonials_are_specific_praise(clf):
    yes = ["Thanks to the wonderful crew of flight 560 for getting us home safe and sound!",
           "Just got off the phone with a rep, Austin, one of the best customer service experiences I've ever had!",
           "The agent was lovely and sorted it straight away.",
           "Just off the phone with a rep, one of the best experiences I’ve ever had!",  # a curly apostrophe
           "Fantastic! I don't drive. Thank you so much, Tom, have a good shift"]
    no = ["Thank you! :)", "Thanks so much!!", "Great, I also have a question about my baggage allowance?",
          "Thank you for ruining my phone with this update, the app is useless",
          "The delivery was not great and the driver was rude", "You guys are amazing, thank you from the bottom of my heart!",
          "Tried to pay my rent through the app. Brilliant. Had to phone the branch to set it up.",  # flat sarcasm
          "Thank you so much for your help with this today!!",  # thanks for help in general
          "Found this lovely piece of wire in my salad today, not my favourite topping!!"]
    assert clf.testimonials(yes) == [True] * len(yes)
    assert clf.testimonials(no) == [False] * len(no)
    assert is_testimonial(None) is False


def test_competitor_names_found_where_customers_set_them_against_the_brand():
    texts = ["@SpotifyCares I'd never leave you for apple music", "my sister says Apple Music has the lyrics feature already",
             "@SpotifyCares the Windows Mobile app keeps crashing, switching to Windows Mobile beta",
             "@SpotifyCares Deezer is cheaper and works offline", "@SpotifyCares going to work now, fix it please",
             "@SpotifyCares moving to Spotify premium family", "@SpotifyCares my wife switched to Tidal last week"]
    finder = CompetitorFinder(brands=["spotify"]).fit(texts)
    found = finder.transform(texts)
    assert found == [["Apple Music"], [], [], ["Deezer"], [], [], ["Tidal"]]
    props = finder.propose(texts, [f"t{i}" for i in range(len(texts))])
    assert [(p.name, p.ids) for p in props] == [("Apple Music", ["t0"]), ("Deezer", ["t3"]), ("Tidal", ["t6"])]
    # the centre's lexicon decides: its competitors are always found, its products never proposed
    lex = parse_lexicon("products:\n  - Tidal\ncompetitors:\n  - name: Windows Mobile\n")
    finder = CompetitorFinder(lexicon=lex, brands=["spotify"]).fit(texts)
    assert finder.find(texts[2]) == ["Windows Mobile"] and finder.find(texts[6]) == []


@pytest.fixture(scope="module")
def sim_month(tmp_path_factory):
    """Two simulated weeks (the demo's seed) loaded through ingest, insights found over all of it."""
    from earful.ingest import ingest_file
    from earful.insights import find_insights
    from earful.sim import simulate, write_simulation
    from earful.store import connect

    d = tmp_path_factory.mktemp("voc")
    write_simulation(simulate(days=21, seed=7, scale=0.3), d / "sim")
    db = d / "sim.duckdb"
    con = connect(db)
    ingest_file(con, d / "sim" / "interactions.jsonl", "earful")
    found = find_insights(con)
    con.close()
    return {"db": db, "found": found}


def test_every_insight_of_a_simulated_month_carries_quotes(sim_month):
    found = sim_month["found"]
    assert {"driver", "churn_risk", "testimonial"} <= {i.kind for i in found}
    for i in found:
        quotes = i.evidence.get("quotes") or []
        assert len(quotes) <= 5, i.title
        assert len(quotes) >= 3 or i.evidence.get("quotes_note"), (i.kind, i.title)
        assert all(q["text"] and q["interaction_id"] for q in quotes)
        assert "topic" not in i.title.lower() or i.kind != "emerging_issue"
    risk = next(i for i in found if i.kind == "churn_risk")
    assert risk.metrics["hedged"] > 0 and risk.metrics["firm"] > 0


def test_competitor_review_on_the_command_line(sim_month, tmp_path):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(sim_month["db"], db)
    runner = CliRunner()

    def run(cli, args):
        return runner.invoke(cli, args, env={"COLUMNS": "240"})
    r = run(app, ["competitors", "review", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "Northwind Bank" in r.output and "Fernleaf Bank" in r.output and "proposed" in r.output
    r = run(app, ["competitors", "confirm", "Northwind Bank", "Fernleaf Bank", "--db", str(db), "--who", "maria"])
    assert r.exit_code == 0 and "confirmed: Northwind Bank, Fernleaf Bank" in r.output
    r = run(app, ["competitors", "review", "--all", "--db", str(db)])
    assert "confirmed by maria" in r.output
    r = run(app, ["insights", "--db", str(db), "--from", "2025-08-01", "--to", "2025-08-21"])
    assert r.exit_code == 0 and "Northwind Bank" in r.output, r.output
    r = run(app, ["competitors", "review", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code != 0 and "error" in r.output


def test_fewer_than_three_quotes_say_why_to_every_audience():
    from earful.insights.evidence import for_audience, quote_evidence

    two = [{"interaction_id": "a", "text": "I'm closing my account."}, {"interaction_id": "b", "text": "Leaving you for good."}]
    assert quote_evidence(two, 2)["quotes_note"].startswith("Only 2 of the conversations")
    assert "too short or repeat" in quote_evidence(two, 9)["quotes_note"]
    assert "quotes_note" not in quote_evidence(two + [{"interaction_id": "c", "text": "Done with you."}], 3)
    assert "None of the conversations" in quote_evidence([], 0)["quotes_note"]
    seen = for_audience({**quote_evidence(two, 2), "customers": ["C1"], "interaction_ids": ["a", "b"]}, centre=False)
    assert set(seen) == {"quotes", "quotes_note"}


@pytest.fixture(scope="module")
def tweets(shared_data):
    """Customer tweets of the Twitter support threads by id (read from the shared data, never copied)."""
    import csv

    return {r["tweet_id"]: r["text"] for r in csv.DictReader(
        open(shared_data / "twcs" / "twcs_first5000.csv", encoding="utf-8"))}


def test_sarcastic_praise_is_no_testimonial(clf, tweets):
    """Praise beside a bad outcome or a leaving statement: 'AMAZING customer service, you have just
    lost 2 customers', 'great job ..., oh wait, you don't. Never coming back', praise then 🤔."""
    sarcastic = [tweets[i] for i in ("6979", "3452", "7028")]
    assert "lost 2 customers" in sarcastic[0] and "oh wait" in sarcastic[1] and "\U0001F914" in sarcastic[2]
    assert clf.testimonials(sarcastic) == [False] * 3
    assert clf.testimonials(["Great job on the delivery today, thanks for nothing", "The agent was lovely 🙄",
                             "Brilliant service from the crew, never coming back though"]) == [False] * 3


def test_thanks_for_a_quick_reply_or_praise_of_the_app_as_such_names_nothing(clf, tweets):
    bare = [tweets["6652"], tweets["333"], tweets["5156"]]
    assert "quick responses" in bare[0] and "quick action" in bare[1] and "best app in the world" in bare[2]
    assert clf.testimonials(bare) == [False] * 3
    # speed of what was done, not of the reply, still names what was good
    assert clf.testimonials(["Really impressed, the engineer was quick and fixed the router in minutes",
                             "Amazing app, the new offline playlists saved my commute"]) == [True, True]


def test_a_company_speaking_or_a_churn_statement_vetoes_praise(clf, tweets):
    award = tweets["7186"]  # a supplier thanking the judges of a contest, to fifteen accounts
    assert "award" in award and "our customers" in award
    assert clf.testimonials([award, "We're so proud of our team, thanks to our amazing partners for the great service",
                             "The agent was lovely but I'm closing my account anyway, thanks",
                             "The agent was lovely but I might cancel my subscription now"]) == [False] * 4


def test_a_strongly_negative_sentence_beside_the_praise_vetoes_it(clf, tweets):
    kept = tweets["7566"]  # "... tracked down our bag ... Made a bad situation bearable. 🙏🏻 ❤️😊"
    assert "bad situation" in kept and clf.testimonials([kept]) == [True]  # the emoji belong to that sentence
    assert clf.testimonials([tweets["3259"], tweets["5064"]]) == [True, True]  # named crew, amazing service
    assert clf.testimonials(["The burger was delicious but the wait was painfully long and we left miserable",
                             "I found plastic in my burrito bowl, an amazing lunch otherwise, I'm disgusted"]) == [False, False]


@pytest.fixture(scope="module")
def yelp(shared_data):
    """Review sentences of the UCI Yelp file by line number (Kotzias et al. 2015, CC BY 4.0)."""
    lines = (shared_data / "uci_sentiment" / "yelp_labelled.txt").read_text(encoding="utf-8").splitlines()
    return {i: line.rsplit("\t", 1)[0] for i, line in enumerate(lines, 1)}


def test_a_negation_governs_a_coordinated_list_of_praise(clf, yelp):
    """'The waiter wasn't helpful or friendly' and 'the workers are not always friendly and
    helpful' (Yelp review sentences, Kotzias et al. 2015, CC BY 4.0) praise nobody; the same words
    without the negation still do."""
    negated = [yelp[142], yelp[952]]
    assert "wasn't helpful or friendly" in negated[0] and "not always friendly and helpful" in negated[1]
    assert clf.testimonials(negated) == [False, False]
    assert clf.predict(negated) != ["praise", "praise"] and "praise" not in clf.predict(negated)
    assert "friendly and helpful" in yelp[630] and clf.testimonials([yelp[630]]) == [True]
    paraphrases = ["The agent was not helpful or friendly on the phone",
                   "The rep was neither friendly nor helpful with my refund",
                   "The crew weren't courteous, friendly or helpful on my flight",
                   "The staff at the branch aren't always helpful and friendly",
                   "The driver wasn't very friendly or particularly helpful with my delivery"]
    assert clf.testimonials(paraphrases) == [False] * len(paraphrases)
    assert "praise" not in clf.predict(paraphrases)
    # a negation of something else beside the praise does not carry over to it
    kept = ["No problems at all and the agent was friendly and helpful with my refund",
            "The agent was helpful and friendly and sorted my refund straight away",
            "Not a long wait, and the agent was so helpful with my delivery"]
    assert clf.testimonials(kept) == [True] * len(kept)


def test_a_negated_complaint_word_beside_praise_is_no_complaint(clf):
    """'Never rude or slow' beside praise praises; without praise a negated complaint word still
    complains ('nice if it wasn't damaged'); a complaint written with a curly apostrophe is one."""
    texts = ["The staff are friendly and never rude or slow, the agent sorted my refund in minutes",
             "I was not disappointed, the crew were lovely and the flight was on time",
             "It would be nice if the parcel I waited a month for wasn't damaged inside the box",
             "The app doesn’t work since the update", "The agent was rude and never called back"]
    assert clf.testimonials(texts[:2]) == [True, True]
    assert clf.predict(texts) == ["praise", "praise", "complaint", "complaint", "complaint"]


def test_a_negation_governs_a_coordinated_list_of_churn_cues(clf):
    texts = ["I would never cancel my subscription or switch to Spotify, just fix the app",
             "I won't leave you or close my account over one bad day",
             "I'm not going to cancel my membership, or switch to another provider",
             "Fix this or I'm cancelling my subscription",  # "or" joins nothing negated: an ultimatum
             "I'm not happy and I'm closing my account"]    # the negation belongs to another clause
    assert clf.churn_strength(texts) == [None, None, None, "firm", "firm"]
