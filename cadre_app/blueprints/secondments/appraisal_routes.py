"""(Built by its part; see blueprints/secondments/__init__.py.)"""
