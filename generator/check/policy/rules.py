"""Every rule, in report order. A rule's ID never changes once released: suppressions key on it."""

from __future__ import annotations

from generator.check.policy import auth, exposure, memory, network, persistence, podsecurity, secrets, supplychain
from generator.check.policy.model import Rule

RULES: tuple[Rule, ...] = (
    *auth.RULES,
    *network.RULES,
    *exposure.RULES,
    *podsecurity.RULES,
    *supplychain.RULES,
    *persistence.RULES,
    *memory.RULES,
    *secrets.RULES,
)
BY_ID = {r.id: r for r in RULES}
