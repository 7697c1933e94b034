"""The story's chart: every label whole and apart from the others, each event linked."""

import datetime
import re

import pytest

from tracker.models import DatePrecision

from .conftest import make_event, make_source, make_story

pytestmark = pytest.mark.django_db

LONG = "Interior Ministry tells the Islamabad High Court the block stays until the platform complies with local laws"


def chart_of(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    return html[html.index('<svg class="timeline-chart"') : html.index("</svg>")]


def labels(svg):
    """(event anchor, [(css class, baseline y, text)]) for each event in the chart."""
    found = []
    for anchor, body in re.findall(r'<a class="chart-event" href="#([^"]+)">(.*?)</a>', svg, re.S):
        texts = re.findall(r'<text class="([^"]+)" x="[\d.]+" y="([\d.]+)">([^<]*)</text>', body)
        found.append((anchor, [(css, float(y), text) for css, y, text in texts]))
    return found


@pytest.fixture
def crowded(db):
    """Five events within three days, as the seed story's April events are, one with a long headline."""
    story = make_story()
    source = make_source()
    make_event(story, "election", [source], date=datetime.date(2024, 2, 8), headline="Pakistan holds an election")
    for n, day in enumerate([17, 17, 18, 18, 19]):
        headline = LONG if n == 2 else f"Event on {day} April, number {n}"
        make_event(story, f"april-{n}", [source], date=datetime.date(2024, 4, day), headline=headline)
    make_event(
        story, "month", [source], date=datetime.date(2024, 3, 1), date_precision=DatePrecision.MONTH, headline="March"
    )
    return story


def test_each_dated_event_is_a_link_to_it_on_the_page(client, crowded):
    found = labels(chart_of(client, crowded))
    assert sorted(anchor for anchor, _ in found) == sorted(e.anchor for e in crowded.events.all())
    html = client.get(crowded.get_absolute_url()).content.decode()
    for anchor, _ in found:
        assert f'id="{anchor}"' in html


def test_a_long_headline_is_wrapped_whole_not_cut_short(client, crowded):
    (lines,) = [lines for anchor, lines in labels(chart_of(client, crowded)) if anchor == "event-april-2"]
    headline = [text for css, _, text in lines if css == "headline-label"]
    assert len(headline) > 2 and " ".join(headline) == LONG
    assert not any(text.endswith("…") for _, _, text in lines)


def test_labels_of_events_close_in_time_never_overlap(client, crowded):
    blocks = [(lines[0][1], lines[-1][1]) for _, lines in labels(chart_of(client, crowded))]
    for (_, last_baseline), (next_first, _) in zip(blocks, blocks[1:], strict=False):
        # The next label's top (a line above its first baseline) is below this one's last line.
        assert next_first - 16 >= last_baseline, blocks
