"""The Kreis Viersen demo: ``load_demo`` creates it once; later calls only report the logins."""

from .loader import DEMO_PASSWORD, DemoLogin, load_demo

__all__ = ["DEMO_PASSWORD", "DemoLogin", "load_demo"]
