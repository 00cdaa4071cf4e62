#!/usr/bin/python3
"""torch_reference.py — the same Nano model and training step in plain PyTorch on the CPU, the
yardstick for bench-train.ts (run with Debian's /usr/bin/python3 and python3-torch).

Usage: torch_reference.py '{"config": {...}, "batch": 8, "warmup": 3, "steps": 10, "threads": 2}'
Prints one JSON line: {"tokens_per_s", "step_ms", "params", "threads", "torch"}.
The model mirrors training/src/model.ts (and llama2.c's model.py, which the original Nano trainer
follows): pre-norm RMSNorm, RoPE on adjacent pairs, GQA, SwiGLU, tied classifier.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(block_size, head_dim, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.outer(torch.arange(block_size).float(), freqs)
    return torch.cos(angles), torch.sin(angles)  # (T, hd/2)


def rope(x, cos, sin):
    # x (B, T, heads, hd): rotate adjacent pairs (x[2i], x[2i+1])
    a, b = x.float().reshape(*x.shape[:-1], -1, 2).unbind(-1)
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(3)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_kv_head = c["nHead"], c["nKvHead"]
        self.head_dim = c["nEmbd"] // c["nHead"]
        self.causal = c["causal"]
        self.wq = nn.Linear(c["nEmbd"], self.n_head * self.head_dim, bias=False)
        self.wk = nn.Linear(c["nEmbd"], self.n_kv_head * self.head_dim, bias=False)
        self.wv = nn.Linear(c["nEmbd"], self.n_kv_head * self.head_dim, bias=False)
        self.wo = nn.Linear(self.n_head * self.head_dim, c["nEmbd"], bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q = rope(self.wq(x).view(B, T, self.n_head, self.head_dim), cos, sin)
        k = rope(self.wk(x).view(B, T, self.n_kv_head, self.head_dim), cos, sin)
        v = self.wv(x).view(B, T, self.n_kv_head, self.head_dim)
        repeat = self.n_head // self.n_kv_head
        k = k.repeat_interleave(repeat, dim=2)
        v = v.repeat_interleave(repeat, dim=2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        # the explicit (math) attention, as the tfjs model computes it
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        if self.causal:
            mask = torch.full((T, T), float("-inf")).triu(1)
            scores = scores + mask
        out = F.softmax(scores, dim=-1) @ v
        return self.wo(out.transpose(1, 2).reshape(B, T, -1))


class FeedForward(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w1 = nn.Linear(c["nEmbd"], c["nHidden"], bias=False)
        self.w2 = nn.Linear(c["nHidden"], c["nEmbd"], bias=False)
        self.w3 = nn.Linear(c["nEmbd"], c["nHidden"], bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention_norm = RMSNorm(c["nEmbd"])
        self.attention = Attention(c)
        self.ffn_norm = RMSNorm(c["nEmbd"])
        self.feed_forward = FeedForward(c)

    def forward(self, x, cos, sin):
        x = x + self.attention(self.attention_norm(x), cos, sin)
        return x + self.feed_forward(self.ffn_norm(x))


class Nano(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok_embeddings = nn.Embedding(c["vocabSize"], c["nEmbd"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["nLayer"]))
        self.norm = RMSNorm(c["nEmbd"])
        self.output = nn.Linear(c["nEmbd"], c["vocabSize"], bias=False)
        self.output.weight = self.tok_embeddings.weight  # tied classifier
        cos, sin = rope_tables(c["blockSize"], c["nEmbd"] // c["nHead"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens, targets):
        T = tokens.shape[1]
        x = self.tok_embeddings(tokens)
        for layer in self.layers:
            x = layer(x, self.cos[:T], self.sin[:T])
        logits = self.output(self.norm(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    args = json.loads(sys.argv[1])
    c = args["config"]
    torch.set_num_threads(args.get("threads", 2))
    torch.manual_seed(1)
    model = Nano(c)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    B, T = args["batch"], c["blockSize"]
    tokens = torch.randint(0, c["vocabSize"], (B, T))
    targets = torch.randint(0, c["vocabSize"], (B, T))

    def step():
        loss = model(tokens, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args["warmup"]):
        step()
    start = time.perf_counter()
    for _ in range(args["steps"]):
        step()
    seconds = (time.perf_counter() - start) / args["steps"]
    params = sum(p.numel() for p in model.parameters())
    print(
        json.dumps(
            {
                "tokens_per_s": B * T / seconds,
                "step_ms": seconds * 1000,
                "params": params,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
