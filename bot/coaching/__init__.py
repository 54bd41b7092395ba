"""Coaching domain: rubric rules, evidence and feedback assembly."""
