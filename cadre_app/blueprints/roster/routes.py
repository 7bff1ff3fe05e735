"""Roster list, profile, create and edit."""
