"""The dashboards' query counts, pinned (Zulip-style: an exact count, explained): shared by the
tests of the figures, the two pages and the breakdown by pupil characteristic."""

from __future__ import annotations

# Permissions 1, categories 1, tally marks 1; concerns, by category, by year group 3 (no
# tallies yet: all live); untriaged 1, time to open 1, CP files 1, referrals 1, actions 1,
# reviews 1 (the two kinds in one union). The breakdown by pupil characteristic, when asked
# for, adds 2 (issue 14, ADR 0026: tests/oversight/dashboards/test_pupil_groups.py).
SCHOOL_QUERIES = 12
# The trust's: as the school (permissions 2), and schools 1, weekly trend 1, and each school's
# latest change 1 (whether the times to open kept for it still hold, ADR 0036).
TRUST_QUERIES = 16

# The CSV: the session 1, the user 1, their permissions 1 and schools 1, the figures 11
# (categories, tally mark, concerns in all, by category and by year group 3, untriaged, time to
# open, CP files, referrals, actions, reviews), the session's last activity written 1, and 4
# savepoints (each request is atomic). The page: also the menu's look-up of the allegations a
# person may see 1 and the header's badges 1. Issue 14 added the breakdown by pupil
# characteristic's 2 on purpose (ADR 0026): pupils on roll and named, and concerns per group.
# Issue 16 added the second factor's device (django-otp's look-up) 1 to every signed-in request.
# Issue 18 added the school's latest change to its concerns and to its pupils 2 (whether the
# breakdown kept for it still holds, ADR 0036).
# Issue 20 added the pupils to re-assess on the page 2 (the first few, and how many; ADR 0044).
SCHOOL_CSV_QUERIES = 25
SCHOOL_PAGE_QUERIES = 29

# The request's own (session, user, access, acting school, header badges) plus the trust, its
# schools for the filter, and the trust's figures (TRUST_QUERIES above). The breakdown by
# pupil characteristic, when asked for, adds 2 (test_pupil_groups.py).
# Issue 20 added each school's pupils to re-assess 1 (ADR 0044).
TRUST_PAGE_QUERIES = 29
TRUST_CSV_QUERIES = 27
