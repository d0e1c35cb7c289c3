from .heartbeat import Heartbeat

__all__ = ["Heartbeat"]
