"""Schedules and samplers against closed forms."""

import math

import numpy as np
import pytest
import torch

from cad3d.diffusion import GaussianDiffusion, ModelMeanType, get_named_beta_schedule
from cad3d.diffusion.schedules import cosine_alpha_bar, spaced_timesteps

pytestmark = pytest.mark.torch


def test_cosine_alpha_bar_closed_form():
    T = 1000
    ab = np.cumprod(1 - get_named_beta_schedule("cosine", T))
    for t in (0, 10, 500, 900):
        expected = cosine_alpha_bar((t + 1) / T) / cosine_alpha_bar(0)
        assert ab[t] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_schedules_monotone(name):
    betas = get_named_beta_schedule(name, 1000)
    assert betas.shape == (1000,)
    assert (np.diff(betas) >= -1e-12).all() and betas.min() > 0 and betas.max() <= 0.999
    ab = np.cumprod(1 - betas)
    assert (np.diff(ab) < 0).all() and ab[-1] < 1e-3 and ab[0] > 0.99


def test_linear_schedule_endpoints():
    b = get_named_beta_schedule("linear", 1000)
    assert b[0] == pytest.approx(1e-4) and b[-1] == pytest.approx(0.02)
    b = get_named_beta_schedule("linear", 100)
    assert b[0] == pytest.approx(1e-3) and b[-1] == pytest.approx(0.2)


def test_spaced_timesteps_trailing():
    ts = spaced_timesteps(1000, 50)
    assert ts[0] == 999 and ts[-1] == 19 and len(ts) == 50 and (np.diff(ts) == -20).all()
    assert list(spaced_timesteps(10, 10)) == list(range(9, -1, -1))


def test_q_sample_mean_and_variance_monte_carlo():
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 100))
    torch.manual_seed(0)
    x0 = torch.full((200_000, 1), 0.7)
    t = torch.full((200_000,), 40, dtype=torch.long)
    xt = d.q_sample(x0, t)
    ab = d.alphas_cumprod[40]
    assert xt.mean().item() == pytest.approx(math.sqrt(ab) * 0.7, abs=5e-3)
    assert xt.var().item() == pytest.approx(1 - ab, rel=1e-2)


@pytest.mark.parametrize("mean_type", list(ModelMeanType))
def test_split_output_inverts_target(mean_type):
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 50), mean_type)
    x0, eps = torch.randn(4, 7, 3, dtype=torch.float64), torch.randn(4, 7, 3, dtype=torch.float64)
    t = torch.tensor([0, 10, 30, 49])
    xt = d.q_sample(x0, t, eps)
    eps_hat, x0_hat = d.split_output(xt, t, d.target(x0, t, eps))
    assert torch.allclose(x0_hat, x0, atol=1e-8) and torch.allclose(eps_hat, eps, atol=1e-8)


def _oracle(d: GaussianDiffusion, point: torch.Tensor):
    """A perfect model of a data set holding one sample: exact eps for every x_t."""

    def model(x, t, cond):
        a = torch.as_tensor(d.sqrt_alphas_cumprod, dtype=x.dtype)[t].view(-1, 1, 1)
        s = torch.as_tensor(d.sqrt_one_minus_alphas_cumprod, dtype=x.dtype)[t].view(-1, 1, 1)
        return (x - a * point) / s

    return model


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_oracle_recovers_the_point(eta):
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 1000))
    point = torch.tensor([[[0.3, -0.5, 0.8]]], dtype=torch.float64).expand(2, 5, 3)
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(2, 5, 3, generator=g, dtype=torch.float64)
    out = d.ddim_sample(_oracle(d, point), (2, 5, 3), steps=10, eta=eta, noise=noise, generator=g)
    assert torch.allclose(out, point, atol=1e-6)


def test_dpm_solver_oracle_recovers_the_point():
    d = GaussianDiffusion(get_named_beta_schedule("linear", 1000))
    point = torch.tensor([[[0.3, -0.5, 0.8]]], dtype=torch.float64).expand(1, 4, 3)
    noise = torch.randn(1, 4, 3, dtype=torch.float64)
    out = d.dpm_solver_sample(_oracle(d, point), (1, 4, 3), steps=7, noise=noise)
    assert torch.allclose(out, point, atol=1e-6)


def test_ddpm_oracle_lands_on_the_point():
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 100))
    point = torch.tensor([[[0.1, 0.2, -0.3]]], dtype=torch.float64).expand(3, 6, 3)
    seen = []
    out = d.p_sample_loop(
        _oracle(d, point),
        (3, 6, 3),
        generator=torch.Generator().manual_seed(0),
        callback=lambda i, x, x0: seen.append(i),
    )
    assert seen == list(range(100))
    assert out.dtype == torch.float32 or out.dtype == torch.float64
    assert torch.allclose(out.double(), point, atol=1e-3)


def test_ddim_eta0_deterministic_and_eta1_not():
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 200), ModelMeanType.V)

    def model(x, t, cond):  # some smooth function of x, t and cond
        return torch.tanh(x * cond + t.view(-1, 1, 1) / 200.0)

    cond = torch.tensor(0.5)

    def run(eta, seed):
        g = torch.Generator().manual_seed(seed)
        noise = torch.randn(2, 16, 3, generator=torch.Generator().manual_seed(0))
        return d.ddim_sample(model, (2, 16, 3), cond, steps=20, eta=eta, noise=noise, generator=g)

    assert torch.equal(run(0.0, 1), run(0.0, 2))
    assert not torch.allclose(run(1.0, 1), run(1.0, 2))


def test_guidance_combines_outputs():
    d = GaussianDiffusion(get_named_beta_schedule("linear", 100))
    calls = []

    def model(x, t, cond):
        calls.append(cond)
        return torch.zeros_like(x) + cond

    from cad3d.diffusion.process import guided

    fn = guided(model, 1.0, guidance_scale=3.0, null_cond=0.0)
    out = fn(torch.zeros(1, 2, 3), torch.zeros(1, dtype=torch.long))
    assert torch.allclose(out, torch.full((1, 2, 3), 3.0)) and calls == [1.0, 0.0]
    d.ddim_sample(model, (1, 2, 3), 1.0, steps=4, guidance_scale=2.0, null_cond=0.0)
    assert len(calls) == 2 + 8


def test_training_losses_zero_for_oracle():
    d = GaussianDiffusion(get_named_beta_schedule("cosine", 100))
    x0 = torch.randn(3, 8, 3, dtype=torch.float64)
    noise = torch.randn_like(x0)
    t = torch.tensor([1, 50, 99])
    out = d.training_losses(lambda x, tt, c: noise, x0, t, noise=noise)
    assert out["loss"].shape == (3,) and out["loss"].abs().max() < 1e-12
    assert torch.allclose(out["x0"], x0, atol=1e-8)


@pytest.mark.parametrize("shape", [(3, 4), (2, 5, 3), (1, 2, 3, 4)])
def test_samplers_work_on_any_shape(shape):
    from cad3d.diffusion.process import extract

    d = GaussianDiffusion(get_named_beta_schedule("cosine", 100))
    target = torch.linspace(-1, 1, int(np.prod(shape)), dtype=torch.float64).reshape(shape)

    def oracle(x, t, cond):
        a = extract(d.sqrt_alphas_cumprod, t, x)
        s = extract(d.sqrt_one_minus_alphas_cumprod, t, x)
        return (x - a * target) / s

    noise = torch.randn(shape, dtype=torch.float64)
    for out in (
        d.ddim_sample(oracle, shape, steps=5, noise=noise),
        d.dpm_solver_sample(oracle, shape, steps=5, noise=noise),
    ):
        assert out.shape == shape and torch.allclose(out, target, atol=1e-6)
