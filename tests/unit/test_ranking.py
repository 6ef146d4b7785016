from datetime import datetime, timedelta, timezone

from ideas_portal.services.ranking import hot_score, wilson_lower_bound


def test_wilson_is_zero_without_votes():
    assert wilson_lower_bound(0, 0) == 0.0


def test_wilson_prefers_many_positive_votes_over_one():
    assert wilson_lower_bound(100, 5) > wilson_lower_bound(1, 0)


def test_wilson_matches_known_value():
    # 8 up / 2 down at 95 %: 0.4902 (Evan Miller's table)
    assert abs(wilson_lower_bound(8, 2) - 0.4902) < 1e-3


def test_wilson_punishes_down_votes():
    assert wilson_lower_bound(50, 50) < wilson_lower_bound(50, 5)


def test_hot_newer_idea_beats_older_with_same_votes():
    now = datetime.now(timezone.utc)
    assert hot_score(10, 0, now) > hot_score(10, 0, now - timedelta(days=1))


def test_hot_ten_times_the_votes_is_worth_half_a_day():
    now = datetime.now(timezone.utc)
    assert abs((hot_score(100, 0, now) - hot_score(10, 0, now)) - 1.0) < 1e-6
    assert abs(hot_score(10, 0, now) - hot_score(10, 0, now - timedelta(seconds=45000)) - 1.0) < 1e-6


def test_hot_negative_net_votes_sink():
    now = datetime.now(timezone.utc)
    assert hot_score(0, 10, now) < hot_score(0, 0, now) < hot_score(10, 0, now)
