#!/usr/bin/env python3
"""BEExformer (docs/model.md) written the plain PyTorch way: the peer that
beex is compared with (scripts/peers/compare.sh, issue 12).

An nn.Module with token + position embeddings, N post-LN blocks (multi-head attention over
binarized linear layers, LayerNorm, the SLFN), an exit head per block on the mean of the real
tokens, and the soft-routing loss sum_i w_i CE_i / sum_i w_i (w_i = i). Batches are padded
and masked (keys on padding are masked out of attention, pooling sees real tokens only).
Precisions fp32 (the full-precision twin), w1a32 and w1a1 (docs/model.md sections 3 and 6):

    BL weight   Wb = alpha * sign(W),  alpha_j = mean_k |W_jk| (per output row, a constant
                for the gradient), sign by ApproxSign (forward sign with sign(0) = +1,
                backward F'(x) = max(0, 2 - 2|x|))
    w1a1 input  xe = beta * sign(x - c) + c,  beta = mean_k |x_k - c| per token row (a
                constant for the gradient); c = 0.5 for w2 (its input is a sigmoid), else 0
    embeddings  in w1a32 / w1a1 E_b[v] = gamma_v * sign(E[v]), gamma_v = mean |E[v]|

Dropout 0.1 where harness/train/tnet.c applies it (the embedding sum, the attention output
after BL_o, the SLFN product s), Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), latent BL weights
clipped to [-1, 1] after every step (and the token table too when it is binarized), as
harness/train/tstep.c does. Two idioms a researcher would use and that change no result:
q, k, v are one BL of 3d output rows (alpha is per row, and w1a1 binarizes the shared input
once, as the C trainer does), and so are w1 and w3 (2 dff rows). One difference that changes
no timing: a w1a1 dot product of signs that is exactly 0 comes out of PyTorch's float GEMM as
rounding noise of either sign, where the C trainer computes exact integers (tnet.c bl_fwd).

Subcommands (standard library + torch only):
    info                 torch version, the BLAS torch has loaded, threads, a 256^3 matmul
    check                small self-checks of the definitions above (a second or so)
    bench --out FILE     inference on the small shape and training epochs on mr, as
                         compare.sh runs them; one JSON document

Thread counts: Debian's torch does not know its BLAS is OpenBLAS, so torch.set_num_threads
does not reach OpenBLAS's pool. With --threads N this script sets OPENBLAS_NUM_THREADS and
OMP_NUM_THREADS to N before torch (and OpenBLAS) is loaded, and torch.set_num_threads(N):
two pools of N threads each on N cores would oversubscribe them (docs/peers.md).
"""

import os
import sys


def _threads_from_argv(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


if __name__ == "__main__":
    # Before torch loads: OpenBLAS reads its thread count once, when the library is loaded.
    _t = _threads_from_argv(sys.argv[1:])
    if _t is not None:
        for _k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            if os.environ.get(_k, _t) != _t:
                print(f"beex_torch: {_k}={os.environ[_k]} overridden by --threads {_t}",
                      file=sys.stderr)
            os.environ[_k] = _t

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

PRECISIONS = ("fp32", "w1a32", "w1a1")


class Config:
    """docs/model.md section 1."""

    def __init__(self, vocab=8192, d=128, heads=4, dff=256, blocks=6, max_len=64, classes=2,
                 ln_eps=1e-6):
        self.vocab, self.d, self.heads, self.dff = vocab, d, heads, dff
        self.blocks, self.max_len, self.classes, self.ln_eps = blocks, max_len, classes, ln_eps

    def as_dict(self):
        return dict(self.__dict__)


# The two shapes of the comparison: `beex bench model --shapes small` (docs/model.md defaults,
# harness/model/model.c beex_config_default) and mr's training recipe (`beex bench train
# --shapes mr`, harness/bench/train_bench.c: GloVe's 100-d, 23,200 vocabulary rows).
SMALL = dict(vocab=8192, d=128, heads=4, dff=256, blocks=6, max_len=64, classes=2)
MR = dict(vocab=23200, d=100, heads=4, dff=256, blocks=6, max_len=64, classes=2)


class ApproxSign(torch.autograd.Function):
    """sign in the forward pass (sign(v) = +1 for v >= 0, so -0.0 -> +1); the derivative of
    the second-order approximation F (docs/model.md section 6), max(0, 2 - 2|v|), backward."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return v.ge(0).to(v.dtype) * 2 - 1

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad * (2 - 2 * v.abs()).clamp_min(0)


def binarize_rows(w):
    """alpha * sign(W) with alpha = mean |W| per row (per output row of a weight, per
    vocabulary row of the token table); alpha is a constant for the gradient."""
    alpha = w.detach().abs().mean(dim=-1, keepdim=True)
    return alpha * ApproxSign.apply(w)


def binarize_act(x, c):
    """w1a1 input of a BL: beta * sign(x - c) + c per token row, beta = mean |x - c|."""
    xc = x - c if c != 0.0 else x
    beta = xc.detach().abs().mean(dim=-1, keepdim=True)
    xe = beta * ApproxSign.apply(xc)
    return xe + c if c != 0.0 else xe


class BinaryLinear(nn.Linear):
    """BL of docs/model.md section 3: y = x @ W^T + b in fp32, with W -> alpha sign(W) in w1a32
    and w1a1, and x -> beta sign(x - c) + c in w1a1."""

    def __init__(self, in_features, out_features, precision, centre=0.0):
        super().__init__(in_features, out_features)
        self.precision = precision
        self.centre = centre
        self.frozen = None  # binarized weights precomputed for inference (freeze())
        nn.init.xavier_uniform_(self.weight)  # as beex_model_init_random
        nn.init.zeros_(self.bias)

    def effective_weight(self):
        if self.precision == "fp32":
            return self.weight
        if self.frozen is not None:
            return self.frozen
        return binarize_rows(self.weight)

    def forward(self, x):
        if self.precision == "w1a1":
            x = binarize_act(x, self.centre)
        return F.linear(x, self.effective_weight(), self.bias)

    def freeze(self, on=True):
        """Inference only: alpha sign(W) once instead of at every call (the peer's best
        setting; training recomputes it each step as the latent weights move)."""
        self.frozen = None
        if on and self.precision != "fp32":
            with torch.no_grad():
                self.frozen = binarize_rows(self.weight).detach()


class Block(nn.Module):
    """MHA, post-LN, SLFN, post-LN, exit head (docs/model.md section 2, tnet.c)."""

    def __init__(self, cfg, precision, dropout):
        super().__init__()
        d, f = cfg.d, cfg.dff
        self.heads, self.dh = cfg.heads, d // cfg.heads
        self.qkv = BinaryLinear(d, 3 * d, precision)  # rows: q, then k, then v
        self.o = BinaryLinear(d, d, precision)
        self.ln1 = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.w13 = BinaryLinear(d, 2 * f, precision)  # rows: w1 (gate), then w3
        self.w2 = BinaryLinear(f, d, precision, centre=0.5)  # input sigmoid(.) in (0, 1)
        self.w4 = BinaryLinear(f, d, precision)
        self.ln2 = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.drop = nn.Dropout(dropout)
        self.exit = nn.Linear(d, cfg.classes)
        nn.init.xavier_uniform_(self.exit.weight)
        nn.init.zeros_(self.exit.bias)

    def forward(self, x, key_pad, tok_mask, lengths):
        B, T, d = x.shape
        H, dh = self.heads, self.dh
        q, k, v = self.qkv(x).view(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)  # each B,H,T,dh
        s = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
        s = s.masked_fill(key_pad[:, None, None, :], float("-inf"))  # padding keys
        o = (s.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, d)
        a = self.drop(self.o(o))
        y = self.ln1(x + a)
        g, u = self.w13(y).chunk(2, dim=-1)
        g, u = torch.sigmoid(g), torch.tanh(u)
        s = self.w2(g) * self.w4(u)
        x = self.ln2(y + self.drop(s))
        pooled = (x * tok_mask).sum(dim=1) / lengths  # mean over the real tokens
        return x, self.exit(pooled)


class BEExformer(nn.Module):
    def __init__(self, cfg, precision="w1a1", dropout=0.1):
        super().__init__()
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} not in {PRECISIONS}")
        self.cfg, self.precision = cfg, precision
        self.tok = nn.Embedding(cfg.vocab, cfg.d)
        self.pos = nn.Parameter(torch.empty(cfg.max_len, cfg.d))
        with torch.no_grad():  # Normal(0, 0.1) clipped to [-1, 1], as beex_model_init_random
            self.tok.weight.normal_(0.0, 0.1).clamp_(-1.0, 1.0)
            self.pos.normal_(0.0, 0.1).clamp_(-1.0, 1.0)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(cfg, precision, dropout) for _ in range(cfg.blocks))

    def forward(self, ids, lengths):
        """ids: B x T (0 = [PAD] past each example's length), lengths: B. Returns the exit
        logits, B x N x C."""
        B, T = ids.shape
        e = self.tok(ids)
        if self.precision != "fp32":
            e = binarize_rows(e)  # gamma_v sign(E[v]) on the rows the batch looks up
        x = self.drop(e + self.pos[:T])
        key_pad = torch.arange(T, device=ids.device)[None, :] >= lengths[:, None]
        tok_mask = (~key_pad).unsqueeze(-1).to(x.dtype)
        lens = lengths.to(x.dtype).unsqueeze(-1)
        exits = []
        for blk in self.blocks:
            x, z = blk(x, key_pad, tok_mask, lens)
            exits.append(z)
        return torch.stack(exits, dim=1)

    def freeze(self, on=True):
        for m in self.modules():
            if isinstance(m, BinaryLinear):
                m.freeze(on)

    def clip_latent(self):
        """Latent BL weights to [-1, 1] after every update; the token table too when it is
        binarized (harness/train/tparams.c beex_tparams_clip)."""
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, BinaryLinear):
                    m.weight.clamp_(-1.0, 1.0)
            if self.precision != "fp32":
                self.tok.weight.clamp_(-1.0, 1.0)


def exit_loss(logits, labels, weights):
    """L = sum_i w_i CE(z_i, y) / sum_i w_i, CE averaged over the batch."""
    n = logits.shape[1]
    total = 0.0
    for i in range(n):
        total = total + weights[i] * F.cross_entropy(logits[:, i], labels)
    return total / sum(weights)


def exit_entropies(logits):
    """H_i = -sum_c p_c ln p_c per exit (natural log): what the engine computes per block."""
    logp = logits.log_softmax(dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


def pad_batch(seqs):
    """Pads a list of id lists to the longest with [PAD] = 0."""
    T = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), T, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, torch.tensor([len(s) for s in seqs], dtype=torch.long)


# ---- data -----------------------------------------------------------------------------------

# Lower case, words (joined across - ' . , inside them) and runs of one punctuation character.
# Close to beex's tokenizer (datasets/README.md) but not identical: the lengths, not the exact
# tokens, decide the time of an epoch, and they agree to within a few per cent.
_TOKEN = re.compile(r"\w+(?:[-'.,]\w+)*|([^\w\s])\1*")


def tokenize(text):
    return [m.group(0) for m in _TOKEN.finditer(text.lower())]


def read_tsv(path):
    labels, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            labels.append(label)
            texts.append(tokenize(text))
    return labels, texts


def encode_dataset(path, cfg):
    """Ids for every example (clipped to max_len, an empty text is one [UNK]) over a
    vocabulary of the most frequent training words in cfg.vocab rows."""
    labels, texts = read_tsv(path)
    freq = {}
    for toks in texts:
        for t in toks:
            freq[t] = freq.get(t, 0) + 1
    words = sorted(freq, key=lambda w: (-freq[w], w))[: cfg.vocab - 2]
    index = {w: i + 2 for i, w in enumerate(words)}
    names = sorted(set(labels))
    y = [names.index(lab) for lab in labels]
    seqs = [[index.get(t, 1) for t in toks][: cfg.max_len] or [1] for toks in texts]
    return seqs, y, names


def random_dataset(n, tokens, cfg, seed):
    rng = random.Random(seed)
    seqs = [[rng.randrange(2, cfg.vocab) for _ in range(tokens)] for _ in range(n)]
    return seqs, [i % cfg.classes for i in range(n)]


# ---- timing ---------------------------------------------------------------------------------

def time_inference(cfg, precision, batch, tokens, min_time, min_reps, max_reps, seed=1):
    """Mirrors beex bench model: random ids, every example `tokens` long, all blocks run (no
    early exit), batches cycling over 2 x batch examples, one warm-up batch, then batches
    until min_time seconds and min_reps batches; examples/s = batch / median batch time."""
    torch.manual_seed(seed)
    model = BEExformer(cfg, precision, dropout=0.1).eval()
    model.freeze(True)
    seqs, _ = random_dataset(2 * batch, tokens, cfg, seed)
    batches = [pad_batch(seqs[i: i + batch]) for i in (0, batch)]
    times = []
    with torch.no_grad():
        ids, lens = batches[0]
        exit_entropies(model(ids, lens))  # warm-up
        start = time.perf_counter()
        while len(times) < max_reps and (len(times) < min_reps or
                                         time.perf_counter() - start < min_time):
            ids, lens = batches[len(times) % 2]
            t0 = time.perf_counter()
            z = model(ids, lens)
            exit_entropies(z)
            z.argmax(dim=-1)
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"work": "inference", "shape": "small", "precision": precision, "batch": batch,
            "tokens": tokens, "reps": len(times), "median_batch_ms": med * 1e3,
            "min_batch_ms": min(times) * 1e3, "examples_per_s": batch / med}


def time_epoch(cfg, precision, seqs, y, batch, lr, dropout, max_batches, seed, lengths_kind):
    """One training epoch in shuffled order (seeded), batches padded to their longest
    example; one untimed warm-up step first. Returns examples/s over the timed epoch."""
    torch.manual_seed(seed)
    model = BEExformer(cfg, precision, dropout=dropout).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    weights = [float(i + 1) for i in range(cfg.blocks)]
    order = list(range(len(seqs)))
    random.Random(seed).shuffle(order)
    chunks = [order[i: i + batch] for i in range(0, len(order), batch)]
    if max_batches:
        chunks = chunks[:max_batches]

    def step(idx):
        ids, lens = pad_batch([seqs[j] for j in idx])
        labels = torch.tensor([y[j] for j in idx], dtype=torch.long)
        logits = model(ids, lens)
        loss = exit_loss(logits, labels, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        model.clip_latent()
        return float(loss), ids.shape[1]

    step(chunks[0])  # warm-up (allocator, first-call dispatch)
    n = real = padded = 0
    loss_sum = 0.0
    t0 = time.perf_counter()
    for idx in chunks:
        loss, T = step(idx)
        loss_sum += loss * len(idx)
        n += len(idx)
        real += sum(len(seqs[j]) for j in idx)
        padded += T * len(idx)
    sec = time.perf_counter() - t0
    return {"work": "train", "shape": "mr", "precision": precision, "batch": batch,
            "lengths": lengths_kind, "examples": n, "batches": len(chunks), "seconds": sec,
            "examples_per_s": n / sec, "mean_tokens": real / n, "mean_padded_tokens": padded / n,
            "mean_loss": loss_sum / n}


# ---- environment ----------------------------------------------------------------------------

def loaded_blas():
    """The BLAS / LAPACK libraries mapped into this process (what torch really calls: Debian's
    torch links libblas.so.3, whose alternative decides the implementation)."""
    libs = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if re.search(r"blas|lapack|mkl", os.path.basename(path), re.I):
                    libs.add(path)
    except OSError:
        pass
    return sorted(libs)


def openblas_threads(libs):
    """OpenBLAS's own thread count (its pool is separate from torch's), None without it."""
    import ctypes

    for path in libs:
        if "openblas" in os.path.basename(path) and "libopenblas" in path:
            try:
                return int(ctypes.CDLL(path).openblas_get_num_threads())
            except (OSError, AttributeError):
                return None
    return None


def matmul_gflops(n=256, reps=30):
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2.0 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9


def environment():
    blas_line = [ln.strip() for ln in torch.__config__.show().splitlines() if "BLAS_INFO" in ln]
    blas_info = ""
    if blas_line:
        m = re.search(r"BLAS_INFO=([^,]*)", blas_line[0])
        blas_info = m.group(1) if m else blas_line[0]
    libs = loaded_blas()
    return {"torch": torch.__version__, "python": platform.python_version(),
            "torch_blas_info": blas_info, "blas_libraries": libs,
            "openblas_loaded": any("openblas" in p for p in libs),
            "openblas_threads": openblas_threads(libs),
            "torch_threads": torch.get_num_threads(),
            "torch_interop_threads": torch.get_num_interop_threads(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "matmul_256_gflops": matmul_gflops()}


def set_threads(n):
    if n is not None:
        torch.set_num_threads(n)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # already set (after a parallel section ran): harmless


# ---- subcommands ----------------------------------------------------------------------------

def cmd_info(args):
    set_threads(args.threads)
    env = environment()
    print(json.dumps(env, indent=1))
    if not env["openblas_loaded"]:
        print("beex_torch: torch is not using OpenBLAS (install libopenblas0-pthread; "
              "scripts/peers/setup.sh)", file=sys.stderr)
    return 0


def cmd_check(args):
    """Self-checks: the w1a1 BL equals docs/model.md's integer form, the surrogate gradients are
    docs/model.md's, padding does not change an example's logits, the loss weights."""
    set_threads(args.threads)
    torch.manual_seed(0)
    ok = True

    def report(name, good, detail=""):
        nonlocal ok
        ok &= bool(good)
        print(f"{'ok  ' if good else 'FAIL'} {name}{': ' + detail if detail else ''}")

    # 1. w1a1 BL = alpha_j beta dot(s_j, sign(x')) + b_j + c alpha_j sum_k s_jk (section 3)
    for c in (0.0, 0.5):
        bl = BinaryLinear(40, 24, "w1a1", centre=c)
        with torch.no_grad():
            bl.bias.normal_()
        x = torch.rand(5, 40) if c else torch.randn(5, 40)
        with torch.no_grad():
            y = bl(x)
            s = torch.where(bl.weight >= 0, 1.0, -1.0)
            alpha = bl.weight.abs().mean(1)
            xp = x - c
            beta = xp.abs().mean(1, keepdim=True)
            dot = torch.where(xp >= 0, 1.0, -1.0) @ s.t()
            ref = alpha * beta * dot + bl.bias + c * alpha * s.sum(1)
        err = (y - ref).abs().max().item()
        report(f"w1a1 BL, c = {c}", err < 1e-4, f"max |diff| {err:.2e}")

    # 2. gradients: dW = dWb alpha max(0, 2 - 2|W|); dx = dxe beta max(0, 2 - 2|x - c|)
    bl = BinaryLinear(16, 8, "w1a1", centre=0.5)
    with torch.no_grad():
        bl.weight.uniform_(-1.2, 1.2)  # some latent weights outside the surrogate's support
    x = torch.rand(3, 16, requires_grad=True)
    gy = torch.randn(3, 8)
    bl(x).backward(gy)
    with torch.no_grad():
        alpha = bl.weight.abs().mean(1, keepdim=True)
        xp = x - 0.5
        beta = xp.abs().mean(1, keepdim=True)
        xe = beta * torch.where(xp >= 0, 1.0, -1.0) + 0.5
        dwb = gy.t() @ xe
        dw = dwb * alpha * (2 - 2 * bl.weight.abs()).clamp_min(0)
        wb = alpha * torch.where(bl.weight >= 0, 1.0, -1.0)
        dx = (gy @ wb) * beta * (2 - 2 * xp.abs()).clamp_min(0)
    ew = (bl.weight.grad - dw).abs().max().item()
    ex = (x.grad - dx).abs().max().item()
    report("ApproxSign weight gradient", ew < 1e-4, f"max |diff| {ew:.2e}")
    report("ApproxSign activation gradient", ex < 1e-4, f"max |diff| {ex:.2e}")
    report("sign(-0.0) = +1", ApproxSign.apply(torch.tensor([-0.0])).item() == 1.0)

    # 3. padding and masks: an example alone = the same example padded in a batch. Biases
    # are made non-zero first: with zero biases a w1a1 dot product of signs that is exactly 0
    # comes out of the float GEMM as rounding noise of either sign, which depends on the GEMM's
    # shape (the C trainer computes those dot products as exact integers, tnet.c bl_fwd).
    cfg = Config(vocab=50, d=16, heads=4, dff=32, blocks=3, max_len=12, classes=3)
    for prec in PRECISIONS:
        torch.manual_seed(1)
        model = BEExformer(cfg, prec).eval()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, BinaryLinear):
                    m.bias.normal_(0.0, 0.1)
        seqs = [[5, 9, 2], [7, 3, 3, 8, 11, 4, 2]]
        with torch.no_grad():
            alone = model(*pad_batch(seqs[:1]))[0]
            batch = model(*pad_batch(seqs))[0]
            model.freeze(True)
            frozen = model(*pad_batch(seqs))[0]
        err = max((alone - batch).abs().max().item(), (alone - frozen).abs().max().item())
        report(f"padding masked ({prec})", err < 1e-4, f"max |diff| {err:.2e}")

    # 4. loss = sum_i i CE_i / sum_i i
    z = torch.randn(4, 3, 2)
    yb = torch.tensor([0, 1, 1, 0])
    want = sum((i + 1) * F.cross_entropy(z[:, i], yb) for i in range(3)) / 6.0
    got = exit_loss(z, yb, [1.0, 2.0, 3.0])
    report("exit loss weights", abs(float(got - want)) < 1e-6)

    # 5. a few training steps in w1a1 reduce the loss on a fixed batch, latent weights clipped
    torch.manual_seed(2)
    model = BEExformer(cfg, "w1a1", dropout=0.0).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    seqs, ys = random_dataset(16, 6, cfg, 3)
    ids, lens = pad_batch(seqs)
    labels = torch.tensor(ys)
    losses = []
    for _ in range(30):
        loss = exit_loss(model(ids, lens), labels, [1.0, 2.0, 3.0])
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.clip_latent()
        losses.append(float(loss))
    wmax = max(m.weight.abs().max().item() for m in model.modules()
               if isinstance(m, BinaryLinear))
    report("w1a1 training lowers the loss", losses[-1] < losses[0],
           f"{losses[0]:.3f} -> {losses[-1]:.3f}")
    report("latent weights clipped", wmax <= 1.0, f"max |W| {wmax:.3f}")
    print("all checks passed" if ok else "some checks FAILED")
    return 0 if ok else 1


def cmd_bench(args):
    set_threads(args.threads)
    env = environment()
    if not env["openblas_loaded"] and not args.allow_reference_blas:
        print("beex_torch: torch has not loaded OpenBLAS (libblas.so.3 is the reference BLAS?):"
              " the peer would run about 12x below its best. Run scripts/peers/setup.sh, or"
              " pass --allow-reference-blas.", file=sys.stderr)
        return 1
    ob = env["openblas_threads"]
    if ob is not None and ob != env["torch_threads"]:
        print(f"beex_torch: OpenBLAS runs {ob} threads and torch {env['torch_threads']}: the two "
              "pools would oversubscribe the cores (set OPENBLAS_NUM_THREADS, or --threads "
              "before torch is loaded)", file=sys.stderr)
        return 1
    precisions = args.precisions.split(",")
    for p in precisions:
        if p not in PRECISIONS:
            print(f"beex_torch: unknown precision {p!r}", file=sys.stderr)
            return 2
    results = []

    def emit(r):
        r["threads"] = torch.get_num_threads()
        results.append(r)
        print(json.dumps(r), flush=True)

    quick = args.quick
    small = Config(**SMALL)
    for p in precisions:
        for b in [int(v) for v in args.batches.split(",")]:
            emit(time_inference(small, p, b, args.tokens, 0.05 if quick else args.min_time,
                                2 if quick else 3, 3 if quick else 100000))
    mr = Config(**MR)
    if args.train_data:
        seqs, y, names = encode_dataset(args.train_data, mr)
        if len(names) != mr.classes:
            print(f"beex_torch: {args.train_data}: {len(names)} labels, expected {mr.classes}",
                  file=sys.stderr)
            return 1
        kinds = [k for k in args.train_lengths.split(",") if k]
        for p in precisions:
            for kind in kinds:
                if kind == "real":
                    s, yy = seqs, y
                elif kind == "fixed":
                    # The same number of examples, every one args.train_tokens tokens long
                    # (what `beex bench train --shapes mr` times: 21 tokens, no padding).
                    s, yy = random_dataset(len(seqs), args.train_tokens, mr, 5)
                else:
                    print(f"beex_torch: --train-lengths: unknown {kind!r}", file=sys.stderr)
                    return 2
                emit(time_epoch(mr, p, s, yy, args.batch, args.lr, args.dropout,
                                args.max_batches or (3 if quick else 0), 1,
                                kind if kind == "real" else f"fixed:{args.train_tokens}"))
    doc = {"environment": env, "small": SMALL, "mr": MR, "results": results}
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
        os.replace(tmp, args.out)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("info", "check", "bench"):
        sp = sub.add_parser(name)
        sp.add_argument("--threads", type=int, default=None,
                        help="torch, OpenBLAS and OpenMP threads (set before torch loads)")
        if name == "bench":
            sp.add_argument("--out", help="write the JSON document here")
            sp.add_argument("--precisions", default="fp32,w1a1")
            sp.add_argument("--batches", default="1,32", help="inference batch sizes")
            sp.add_argument("--tokens", type=int, default=21,
                            help="tokens per inference example (small shape, max_len 64)")
            sp.add_argument("--min-time", type=float, default=0.5,
                            help="seconds of timed batches per inference case")
            sp.add_argument("--train-data", help="train.tsv of mr (LABEL<TAB>TEXT)")
            sp.add_argument("--train-lengths", default="real,fixed",
                            help="real: train.tsv's lengths padded per batch; fixed: every "
                                 "example --train-tokens long")
            sp.add_argument("--train-tokens", type=int, default=21)
            sp.add_argument("--batch", type=int, default=32)
            sp.add_argument("--lr", type=float, default=1e-3)
            sp.add_argument("--dropout", type=float, default=0.1)
            sp.add_argument("--max-batches", type=int, default=0,
                            help="stop an epoch after this many batches (0: whole epoch)")
            sp.add_argument("--allow-reference-blas", action="store_true")
            sp.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        ap.error("--threads must be at least 1")
    return {"info": cmd_info, "check": cmd_check, "bench": cmd_bench}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
