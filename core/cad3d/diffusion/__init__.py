"""The diffusion process and its samplers, independent of any network (pure torch)."""

from .process import GaussianDiffusion, ModelMeanType, guided
from .schedules import get_named_beta_schedule, spaced_timesteps

__all__ = [
    "GaussianDiffusion",
    "ModelMeanType",
    "get_named_beta_schedule",
    "guided",
    "spaced_timesteps",
]
