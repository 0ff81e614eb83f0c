"""Varied words for the benchmark trust's records (issue 20: searching records).

A search measured over a million copies of "Benchmark account" measures nothing: every record
matches a word of it and none matches anything else. These sentences are put together from
templates, a person and a place, drawn from a generator of their own (so the benchmark's other
draws, and its timings, stay as they were), with frequencies a school's records would show:
some words in a large share of records ("home", "school", "upset"), phrases in a few ("uncle's
car"), and rare words in a handful per school ("trampoline", "canal").
"""

from __future__ import annotations

import random

WHO = [
    "his mum",
    "her mum",
    "his dad",
    "her dad",
    "mum's partner",
    "dad's girlfriend",
    "his stepdad",
    "her stepmum",
    "an older brother",
    "an older sister",
    "her grandmother",
    "his grandad",
    "his uncle",
    "her uncle",
    "an aunt",
    "a cousin",
    "a neighbour",
    "an older boy from the estate",
    "a group of Year 10 pupils",
    "a man she met online",
    "a friend's older brother",
    "a family friend",
]
PLACE = [
    "at the school gate",
    "in the car park",
    "on the bus home",
    "in the playground",
    "in the lunch hall",
    "in the changing rooms",
    "at the park",
    "at home",
    "in the corridor by the library",
    "outside the chip shop",
    "at the bus station",
    "in the science block",
    "on the field",
    "near the canal",
]
FEELING = ["upset", "withdrawn", "tired", "angry", "anxious", "tearful", "quiet", "frightened"]
ACCOUNT = [
    "{Name} told me that {who} shouted at them {place} and they did not want to go home.",
    "{Name} came to school with a bruise on the left arm and said {who} grabbed them.",
    "I saw {who} pick {name} up {place}; {name} seemed {feeling} and would not talk to me.",
    "{Name} said they had not eaten since lunch yesterday because there was no food at home.",
    "{Name} was {feeling} in form time and said {who} had been drinking again last night.",
    "{Name} said {who} takes their phone away and checks their messages every evening.",
    "{Name} told a friend that they were sent pictures by {who} and asked to keep it secret.",
    "{Name} arrived late, in the same uniform as all week, and was {feeling} all morning.",
    "{Name} said {who} was waiting {place} and they were scared to leave the building.",
    "{Name} disclosed that {who} hit them with a belt when they came home late.",
    "{Name} said they were left to look after younger siblings overnight.",
    "{Name} has missed three days this week; when asked, they said {who} keeps them at home.",
    "{Name} mentioned cuts on their wrist during PE and became {feeling} when I asked.",
    "{Name} said there was a fight at home and the police came; {who} was taken away.",
    "{Name} has been searching online for ways to hurt themselves, flagged by the filtering.",
    "{Name} told me {who} gives them money and vapes and asks them to carry parcels.",
    "{Name} said they sleep on the sofa because {who} has moved in with two dogs.",
    "{Name} talked about a new boyfriend who is much older and picks them up {place}.",
]
# Rarer sentences, by how often one is picked against one of ACCOUNT: a phrase a DSL would
# remember ("the uncle's car") in about one record in a hundred, a rare word in a few per school.
RARER = [
    (0.1, "{Name} was seen getting into the uncle's car {place} with two older men."),
    (
        0.002,
        "{Name} fell off a trampoline at the weekend and nobody at home took them to hospital.",
    ),
]
REASON = [
    "Disclosure to a member of staff",
    "Observed injury",
    "Change in behaviour",
    "Poor attendance",
    "Concern about home life",
    "Online safety concern",
    "Worry reported by another pupil",
    "Concern raised by a parent",
    "Signs of neglect",
    "Possible exploitation",
]
DSL_REASON = [
    "Spoke to {who} by phone; they agreed to meet at school tomorrow.",
    "Threshold for a referral to children's social care not met; monitoring in school.",
    "Advice sought from the front door, who advised an early help assessment.",
    "Pattern with earlier concerns about {who}; discussed with the deputy and referred.",
    "Pupil seen with their head of year; a safety plan is in place at school.",
    "Parents not informed: informing {who} could put the child at greater risk.",
    "Police informed because of the risk outside school {place}.",
    "School nurse to follow up on the injury and the pupil's weight.",
]
ACTION = [
    "Check in with the pupil at morning registration",
    "Phone {who} about attendance",
    "Ask the school nurse to see the pupil",
    "Share the safety plan with the pupil's teachers",
    "Follow up the referral with the social worker",
    "Review the pupil's online activity with the IT lead",
]
REFERRAL = [
    "Referred because {who} was seen hitting the pupil {place}.",
    "Repeated neglect: no food at home and the same uniform all week.",
    "Disclosure of sexual images sent by {who}; the pupil is frightened.",
    "Pupil at risk of exploitation: carrying parcels for {who}.",
    "Domestic abuse at home reported by the pupil; the police attended.",
]
RISK = [
    "Risk of harm from {who} waiting {place}.",
    "Risk to other pupils in the changing rooms.",
    "Risk of self-harm during unstructured time.",
    "Risk of going missing from the bus station after school.",
]
MEASURE = [
    "Pupil collected by a named adult; staff on the gate told.",
    "Separate changing room and a key adult to check in daily.",
    "Safe space in the library at lunch; pastoral check-ins.",
    "Staff to walk the pupil to the bus; parents informed.",
]
NAMES = ["Alex", "Sam", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Charlie", "Ellis"]


ACCOUNT_TEMPLATES = ACCOUNT + [t for _, t in RARER]
ACCOUNT_WEIGHTS = [1.0] * len(ACCOUNT) + [w for w, _ in RARER]


class Words:
    """A record's words, from a generator of its own."""

    def __init__(self, seed: str = "benchmark text") -> None:
        self.rng = random.Random(seed)  # noqa: S311  (repeatable data, not secrets)

    def _fill(self, template: str) -> str:
        name = self.rng.choice(NAMES)
        return template.format(
            Name=name,
            name=name,
            who=self.rng.choice(WHO),
            place=self.rng.choice(PLACE),
            feeling=self.rng.choice(FEELING),
        )

    def _some(self, templates: list[str], low: int, high: int) -> str:
        return " ".join(
            self._fill(t) for t in self.rng.sample(templates, self.rng.randint(low, high))
        )

    def location(self) -> str:
        return self.rng.choice(PLACE).split(" ", 1)[1].capitalize()

    def reason(self) -> str:
        return self.rng.choice(REASON)

    def account(self) -> str:
        n = self.rng.randint(2, 4)
        picked = self.rng.choices(ACCOUNT_TEMPLATES, weights=ACCOUNT_WEIGHTS, k=n)
        return " ".join(self._fill(t) for t in dict.fromkeys(picked))

    def dsl_reasons(self) -> str:
        return self._some(DSL_REASON, 1, 2)

    def action(self) -> str:
        return self._fill(self.rng.choice(ACTION))

    def referral(self) -> str:
        return self._some(REFERRAL, 1, 2)

    def risks(self) -> str:
        return self._some(RISK, 1, 2)

    def measures(self) -> str:
        return self._some(MEASURE, 1, 2)

    def title(self) -> str:
        return "Risk assessment: " + self.rng.choice(REASON).lower()
