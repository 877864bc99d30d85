"""The demo program (`manage.py seed_demo`): the only code allowed to import all three apps."""
