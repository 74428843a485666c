"""Plan §22 拓宽公益性岗位开发途径，开发储备公益性岗位1200个: the public-welfare posts
reserved, a standard the bureau records (no default); the METRIC of 1,200 is in
`services/metrics.py`."""

from __future__ import annotations

from domain.policy.base import ratio

PARAMETERS = (ratio("public_welfare_posts_reserved", "public-welfare posts reserved (§22)"),)
PROGRAMMES = ()
