"""Compliance knowledge: inventory model, checks, YAML profiles, evaluator, findings model."""
