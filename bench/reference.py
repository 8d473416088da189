#!/usr/bin/env python3
"""PyTorch reference for Anchor Lab's engine (src/core/model.ts, optim.ts, task.ts, train.ts, evaluate.ts).

Run with Debian's interpreter and torch:  /usr/bin/python3 bench/reference.py <command> ...

  replay <traceDir>           replay `anchor-lab trace` steps and compare losses, LRs, first gradient, final weights
  bench --threads N --steps K measure ms/step of fwd+bwd+clip+AdamW (JSON), with the BLAS torch really uses
  train --config F [--set p=v] a full training run of an experiment file, evaluated like Anchor Lab

Everything is written out plainly on purpose: the weights are the same named tensors, shapes and flat layout as
`paramLayout` in model.ts, kernels are [in, out] and applied as `x @ W` (no nn.Linear), the optimizer is
torch.optim.AdamW over all parameters, clipping is torch.nn.utils.clip_grad_norm_, and the LR schedule is a
line-by-line port of `learningRate` in optim.ts, stepped per batch.
"""
import argparse
import copy
import json
import math
import os
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = os.path.join(ROOT, 'schemas', 'experiment.schema.json')
NEG = -1e9  # additive mask value, as the as-run masked_fill and model.ts


# ----------------------------------------------------------------------------------------------------------------
# Model (model.ts)
# ----------------------------------------------------------------------------------------------------------------

def param_layout(m):
    """Port of paramLayout(): [(name, shape, init)] in flat order; init = ('normal', dIn) | ('uniform', b) | ('const', v)."""
    D, dh, H, Fd, V, L = m['dModel'], m['dHead'], m['heads'], m['dFF'], m['vocabSize'], m['layers']
    specs = [('tokEmb', [V, D], ('normal', D)), ('posEmb', [m['maxPos'], D], ('normal', D))]
    for l in range(L):
        specs += [
            (f'l{l}.Wq', [D, H * dh], ('normal', D)),
            (f'l{l}.Wk', [D, H * dh], ('normal', D)),
            (f'l{l}.Wv', [D, H * dh], ('normal', D)),
            (f'l{l}.Wo', [H * dh, D], ('normal', H * dh)),
            (f'l{l}.ln1.g', [D], ('const', 1.0)),
            (f'l{l}.ln1.b', [D], ('const', 0.0)),
            (f'l{l}.W1', [D, Fd], ('normal', D)),
            (f'l{l}.W2', [Fd, D], ('normal', Fd)),
            (f'l{l}.ln2.g', [D], ('const', 1.0)),
            (f'l{l}.ln2.b', [D], ('const', 0.0)),
        ]
    if m['norm'] == 'pre':
        specs += [('lnF.g', [D], ('const', 1.0)), ('lnF.b', [D], ('const', 0.0))]
    specs += [('Wout', [D, V], ('normal', D)), ('bOut', [V], ('uniform', 1 / math.sqrt(D)))]
    out, off = [], 0
    for name, shape, init in specs:
        size = int(np.prod(shape))
        out.append({'name': name, 'shape': shape, 'offset': off, 'size': size, 'init': init})
        off += size
    return out


def init_params(layout, gamma, gen):
    """std = d_in^(−γ) normals (untruncated), head bias U(±1/√D), LayerNorm 1/0. Own RNG (torch), not mulberry32."""
    P = {}
    for p in layout:
        kind, val = p['init']
        if kind == 'normal':
            t = torch.randn(p['shape'], generator=gen) * (float(val) ** -gamma)
        elif kind == 'uniform':
            t = (torch.rand(p['shape'], generator=gen) * 2 - 1) * val
        else:
            t = torch.full(p['shape'], float(val))
        P[p['name']] = t.float().requires_grad_(True)
    return P


def params_from_flat(layout, flat):
    return {p['name']: torch.from_numpy(np.array(flat[p['offset']:p['offset'] + p['size']], dtype=np.float32))
            .reshape(p['shape']).requires_grad_(True) for p in layout}


def flat_of(layout, tensors):
    return np.concatenate([tensors[p['name']].detach().reshape(-1).numpy() for p in layout])


def layer_norm(x, g, b, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), g, b, eps)  # biased variance, eps inside the sqrt: same as model.ts


def forward(m, P, tokens, last_only=True):
    """tokens: int64 [B, T] → logits of the last position [B, V]. Same math as forward() in model.ts."""
    B, T = tokens.shape
    D, H, dh, L = m['dModel'], m['heads'], m['dHead'], m['layers']
    x = P['tokEmb'][tokens] + P['posEmb'][:T]                                  # [B, T, D]
    pad = (tokens == 0).float().mul(NEG).view(B, 1, 1, T)                    # PAD keys
    causal = torch.triu(torch.full((T, T), NEG), diagonal=1).view(1, 1, T, T)  # key j > query i masked
    scale = 1.0 / math.sqrt(dh)

    def heads(t, rows):
        return t.view(B, rows, H, dh).transpose(1, 2)                        # [B, H, rows, dh]

    for l in range(L):
        p = lambda n: P[f'l{l}.{n}']
        last = last_only and l == L - 1
        Tq = 1 if last else T
        x_in = layer_norm(x, p('ln1.g'), p('ln1.b')) if m['norm'] == 'pre' else x
        xq = x_in[:, T - 1:] if last else x_in
        q = heads(xq @ p('Wq'), Tq)
        k = heads(x_in @ p('Wk'), T)
        v = heads(x_in @ p('Wv'), T)
        scores = (q @ k.transpose(-1, -2)) * scale                              # [B, H, Tq, T]
        scores = scores + (pad if last else pad + causal)                       # the last query sees every key
        probs = torch.softmax(scores, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(B, Tq, H * dh)
        attn = ctx @ p('Wo')
        x_res = x[:, T - 1:] if last else x
        if m['norm'] == 'post':
            xao = layer_norm(x_res + attn, p('ln1.g'), p('ln1.b'))
            x = layer_norm(xao + torch.relu(xao @ p('W1')) @ p('W2'), p('ln2.g'), p('ln2.b'))
        else:
            xao = x_res + attn
            x = xao + torch.relu(layer_norm(xao, p('ln2.g'), p('ln2.b')) @ p('W1')) @ p('W2')
    x_last = x[:, -1]
    if m['norm'] == 'pre':
        x_last = layer_norm(x_last, P['lnF.g'], P['lnF.b'])
    return x_last @ P['Wout'] + P['bOut']


def loss_fn(logits, targets):
    return F.cross_entropy(logits, targets, ignore_index=0)  # mean over rows whose target is not PAD


# ----------------------------------------------------------------------------------------------------------------
# Optimizer and schedule (optim.ts)
# ----------------------------------------------------------------------------------------------------------------

def js_round(x):
    return math.floor(x + 0.5)  # Math.round


def learning_rate(t, tr, steps_per_epoch):
    """Port of learningRate(): linear warm-up from lr to lr·m over round(warmupEpochs·B) steps (t ≤ Tw inclusive),
    then constant lr (warmup-constant-min) or a cosine from lr·m down to lr over (epochs − warmupEpochs)·B steps."""
    base, peak = tr['lr'], tr['lr'] * tr['lrMultiplier']
    Tw = js_round(tr['warmupEpochs'] * steps_per_epoch)
    if Tw > 0 and t <= Tw:
        return base * (1 + ((tr['lrMultiplier'] - 1) * t) / Tw)
    if tr['schedule'] == 'warmup-constant-min':
        return base if Tw > 0 else peak
    Tc = max(1, (tr['epochs'] - tr['warmupEpochs']) * steps_per_epoch)
    return base + ((peak - base) * (1 + math.cos((math.pi * (t - Tw)) / Tc))) / 2


def make_optimizer(P, tr):
    return torch.optim.AdamW(list(P.values()), lr=tr['lr'], betas=(tr['beta1'], tr['beta2']), eps=tr['eps'],
                             weight_decay=tr['weightDecay'])


def train_step(m, P, opt, tokens, targets, lr, tr, last_only=True):
    """Loss and gradient, global-norm clip (skipped when clipNorm is 0, as clipGlobalNorm), one AdamW step."""
    for g in opt.param_groups:
        g['lr'] = lr
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(forward(m, P, tokens, last_only), targets)
    loss.backward()
    params = list(P.values())
    if tr['clipNorm'] > 0:
        norm = torch.nn.utils.clip_grad_norm_(params, tr['clipNorm'])
    else:
        norm = torch.norm(torch.stack([p.grad.norm() for p in params]))
    opt.step()
    return float(loss), float(norm)


# ----------------------------------------------------------------------------------------------------------------
# replay
# ----------------------------------------------------------------------------------------------------------------

def cmd_replay(a):
    torch.set_num_threads(a.threads)
    d = a.trace_dir
    tr_json = json.load(open(os.path.join(d, 'trace.json')))
    m, tr = tr_json['model'], tr_json['train']
    S, B, T, spe = tr_json['steps'], tr_json['batchSize'], tr_json['seqLen'], tr_json['stepsPerEpoch']
    layout = param_layout(m)
    # The layout must agree with the one the trace was written with (names, shapes, offsets).
    theirs = [(p['name'], list(p['shape']), p['offset']) for p in tr_json['layout']]
    ours = [(p['name'], p['shape'], p['offset']) for p in layout]
    if theirs != ours:
        print('LAYOUT MISMATCH\n ours  ', ours, '\n theirs', theirs)
        return 2
    rd = lambda n, dt: np.fromfile(os.path.join(d, n), dtype=dt)
    init, final_ts, grad0_ts = rd('init.bin', np.float32), rd('final.bin', np.float32), rd('grad0.bin', np.float32)
    tokens = torch.from_numpy(rd('tokens.bin', np.int32).reshape(S, B, T).astype(np.int64))
    targets = torch.from_numpy(rd('targets.bin', np.int32).reshape(S, B).astype(np.int64))
    P = params_from_flat(layout, init)
    opt = make_optimizer(P, tr)
    last_only = tr.get('lastPositionShortcut', True)

    # First gradient (before any step), unclipped, like trace.ts's grad0.bin.
    loss0 = loss_fn(forward(m, P, tokens[0], last_only), targets[0])
    g0 = torch.autograd.grad(loss0, list(P.values()))
    grad0 = np.concatenate([g.reshape(-1).numpy() for g in g0])

    # Same shortcut off must give the same loss (the shortcut is exact math).
    with torch.no_grad():
        full = float(loss_fn(forward(m, P, tokens[0], False), targets[0]))
    losses, lrs, norms = [], [], []
    for s in range(S):
        lr = learning_rate(s, tr, spe)
        l, n = train_step(m, P, opt, tokens[s], targets[s], lr, tr, last_only)
        losses.append(l); lrs.append(lr); norms.append(n)
    final = flat_of(layout, P)

    rel = lambda x, y: abs(x - y) / max(abs(y), 1e-30)
    loss_d = max(rel(x, y) for x, y in zip(losses, tr_json['losses']))
    lr_d = max(rel(x, y) for x, y in zip(lrs, tr_json['lrs']))
    norm_d = max(rel(x, y) for x, y in zip(norms, tr_json['gradNorms']))
    g_d = float(np.max(np.abs(grad0 - grad0_ts)) / np.max(np.abs(grad0_ts)))
    w_d = float(np.max(np.abs(final - final_ts)) / np.max(np.abs(final_ts)))
    moved = float(np.max(np.abs(final_ts - init)) / np.max(np.abs(final_ts)))

    def per_tensor(a_, b_):
        worst = []
        for p in layout:
            x, y = a_[p['offset']:p['offset'] + p['size']], b_[p['offset']:p['offset'] + p['size']]
            worst.append((float(np.max(np.abs(x - y)) / max(float(np.max(np.abs(y))), 1e-30)), p['name']))
        return sorted(worst, reverse=True)[:3]

    res = {
        'trace': d, 'steps': S, 'batch': B, 'model': {k: m[k] for k in ('layers', 'heads', 'dModel', 'dHead', 'dFF', 'norm', 'gamma')},
        'schedule': tr['schedule'], 'warmupSteps': js_round(tr['warmupEpochs'] * spe), 'lastPositionShortcut': last_only,
        'loss': {'first_ts': tr_json['losses'][0], 'first_py': losses[0], 'last_ts': tr_json['losses'][-1], 'last_py': losses[-1]},
        'maxRelDiff': {'loss': loss_d, 'lr': lr_d, 'gradNorm': norm_d, 'grad0': g_d, 'final': w_d},
        'shortcutVsFullLoss': rel(float(loss0), full),
        'finalMovedFromInit': moved,
        'worstTensors': {'grad0': per_tensor(grad0, grad0_ts), 'final': per_tensor(final, final_ts)},
    }
    print(json.dumps(res))
    print(f"{os.path.basename(d.rstrip('/'))}: loss {loss_d:.2e}  lr {lr_d:.2e}  grad0 {g_d:.2e}  final {w_d:.2e}  "
          f"(gradNorm {norm_d:.2e}; weights moved {moved:.2e} of max|w|; shortcut-vs-full loss {res['shortcutVsFullLoss']:.1e})",
          file=sys.stderr)
    bad = loss_d > a.tol or w_d > a.tol or not all(map(math.isfinite, losses))
    return 1 if bad else 0


# ----------------------------------------------------------------------------------------------------------------
# bench
# ----------------------------------------------------------------------------------------------------------------

def blas_info():
    """Which BLAS shared object the process has actually mapped (after a matmul), plus torch's own build info."""
    a = torch.randn(256, 256)
    _ = a @ a
    libs = set()
    try:
        for line in open('/proc/self/maps'):
            path = line.split()[-1] if len(line.split()) >= 6 else ''
            if re.search(r'(blas|lapack|mkl)', os.path.basename(path), re.I):
                libs.add(os.path.realpath(path))
    except OSError:
        pass
    libs = sorted(libs)
    if any('openblas' in x for x in libs):
        name = 'OpenBLAS (' + ('openmp' if any('openblas-openmp' in x for x in libs) else 'pthread' if any('openblas-pthread' in x for x in libs) else '?') + ')'
    elif any('mkl' in x for x in libs):
        name = 'MKL'
    elif any('/blas/libblas' in x for x in libs):
        name = 'REFERENCE (netlib) BLAS'
    else:
        name = 'unknown'
    build = torch.__config__.show()
    mb = re.search(r'BLAS_INFO=([^,\s]+)', build)
    return {'blas': name, 'libs': libs, 'torchBuildBlasInfo': mb.group(1) if mb else None,
            'parallel': [l.strip() for l in torch.__config__.parallel_info().splitlines() if 'threads' in l or 'backend' in l]}


def cmd_bench(a):
    torch.set_num_threads(a.threads)
    info = blas_info()
    if 'REFERENCE' in info['blas'] or info['blas'] == 'unknown':
        print('!' * 78 + f"\n!!! torch is NOT using OpenBLAS: {info['blas']} {info['libs']}\n!!! numbers are meaningless;"
              " fix with: update-alternatives --display libblas.so.3-x86_64-linux-gnu\n" + '!' * 78, file=sys.stderr)
    m = {'layers': a.layers, 'heads': a.heads, 'dModel': a.d_model, 'dHead': a.d_head, 'dFF': a.d_ff, 'norm': a.norm,
         'maxPos': 20, 'vocabSize': a.vocab, 'gamma': 0.5}
    tr = {'lr': 1e-4, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0.01, 'clipNorm': 1.0}
    gen = torch.Generator().manual_seed(0)
    layout = param_layout(m)
    P = init_params(layout, 0.5, gen)
    opt = make_optimizer(P, tr)
    batches = [(torch.randint(20, 100, (a.batch, a.seq_len), generator=gen), torch.randint(4, 110, (a.batch,), generator=gen)) for _ in range(4)]
    times = []
    for s in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        train_step(m, P, opt, *batches[s % 4], 1e-4, tr, not a.no_shortcut)
        if s >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    res = {'framework': f'pytorch {torch.__version__}', 'threads': torch.get_num_threads(), 'msPerStep': statistics.median(times),
           'msMin': min(times), 'steps': a.steps, 'shape': {**m, 'batch': a.batch, 'seqLen': a.seq_len},
           'lastPositionShortcut': not a.no_shortcut, 'paramCount': sum(p['size'] for p in layout), **info}
    print(json.dumps(res))
    return 0


# ----------------------------------------------------------------------------------------------------------------
# Experiment files (config.ts): JSONC, schema defaults, --set overrides
# ----------------------------------------------------------------------------------------------------------------

def strip_jsonc(text):
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == '\\':
                out.append(text[i + 1]); i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True; out.append(c)
        elif text.startswith('//', i):
            while i < n and text[i] != '\n':
                i += 1
            continue
        elif text.startswith('/*', i):
            i = text.find('*/', i + 2) + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r',(\s*[}\]])', r'\1', ''.join(out))  # trailing commas


def fill_defaults(schema, obj):
    if obj is None and 'default' in schema:
        obj = copy.deepcopy(schema['default'])
    if isinstance(obj, dict) and 'properties' in schema:
        for k, sub in schema['properties'].items():
            if k not in obj and 'default' in sub:
                obj[k] = copy.deepcopy(sub['default'])
            if k in obj:
                obj[k] = fill_defaults(sub, obj[k])
    return obj


def load_experiment(path, sets=()):
    raw = json.loads(strip_jsonc(open(path).read())) if path else {}
    for s in sets:
        k, v = s.split('=', 1)
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            pass
        cur = raw
        keys = k.strip().split('.')
        for kk in keys[:-1]:
            cur = cur.setdefault(kk, {})
        cur[keys[-1]] = v
    return fill_defaults(json.load(open(SCHEMA)), raw)


# ----------------------------------------------------------------------------------------------------------------
# Task data (task.ts), own RNG (numpy), same rules
# ----------------------------------------------------------------------------------------------------------------

def anchor_ids(task):
    return sorted(int(k) for k in task['anchors'])


def all_pairs(task):
    ids = anchor_ids(task)
    return [(a, b) for a in ids for b in ids]


def is_unseen(task, p):
    return any(tuple(u) == tuple(p) for u in task['unseenPairs'])


def inferential_shift(task, p):
    return task['anchors'][str(p[0])] + task['anchors'][str(p[1])]


def trained_shift(task, p):
    for o in task['pairOverrides']:
        if tuple(o['pair']) == tuple(p):
            return o['shift']
    return inferential_shift(task, p)


def symmetric_shift(task, p):
    return trained_shift(task, (p[1], p[0]))


def key_candidates(task, style):
    lo, hi = task['keyRange']
    M = task['splitModulus']
    return [np.array([x for x in range(lo, hi + 1) if ((x % M) == (pos % M)) == (style == 'xm0')])
            for pos in range(task['seqLen'] - 2)]


def generate_group(task, pair, style, n, rng):
    """Key at a uniform position 0..n−3, the pair right after it, uniform noise in keyRange everywhere else."""
    T = task['seqLen']
    lo, hi = task['keyRange']
    cands = key_candidates(task, style)
    tokens = rng.integers(lo, hi + 1, size=(n, T))
    pos = rng.integers(0, T - 2, size=n)
    keys = np.empty(n, dtype=np.int64)
    for p in range(T - 2):
        sel = np.nonzero(pos == p)[0]
        keys[sel] = rng.choice(cands[p], size=len(sel))
    rows = np.arange(n)
    tokens[rows, pos] = keys
    tokens[rows, pos + 1] = pair[0]
    tokens[rows, pos + 2] = pair[1]
    return {'pair': tuple(pair), 'style': style, 'tokens': tokens.astype(np.int64), 'targets': keys + trained_shift(task, pair),
            'keys': keys, 'keyPos': pos}


def generate_task_data(task, rng):
    train, seen_test, unseen = [], [], []
    for p in all_pairs(task):
        test = generate_group(task, p, 'xm0', task['testPerPair'], rng)
        xel = generate_group(task, p, 'xel', task['trainPerPair'], rng)
        if is_unseen(task, p):
            unseen.append(xel)
        else:
            train.append(xel); seen_test.append(test)
    order = [tuple(u) for u in task['unseenPairs']]
    unseen.sort(key=lambda g: order.index(g['pair']))
    cat = lambda k: np.concatenate([g[k] for g in train])
    return {'train': {k: cat(k) for k in ('tokens', 'targets', 'keys', 'keyPos')}, 'seenTest': seen_test, 'unseen': unseen}


# ----------------------------------------------------------------------------------------------------------------
# Evaluation (evaluate.ts)
# ----------------------------------------------------------------------------------------------------------------

SOLVED = 0.9


@torch.no_grad()
def predict(m, P, tokens, chunk=4096):
    out = []
    for s in range(0, len(tokens), chunk):
        out.append(forward(m, P, torch.from_numpy(tokens[s:s + chunk]), True).argmax(-1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def unseen_readout(task, g, pred):
    inf, sym = inferential_shift(task, g['pair']), symmetric_shift(task, g['pair'])
    d = pred - g['keys'] - inf
    n = max(len(d), 1)
    n_inf = int(np.sum(d == 0))
    n_sym = int(np.sum((d == sym - inf) & (d != 0)))
    vals, counts = np.unique(d, return_counts=True)
    return {'pair': list(g['pair']), 'n': len(d), 'inferential': round(n_inf / n, 6), 'symmetric': round(n_sym / n, 6),
            'other': round((len(d) - n_inf - n_sym) / n, 6),
            'deviations': {str(int(v)): round(int(c) / n, 6) for v, c in zip(vals, counts) if c / n >= 0.01}}


def solution_label(train_acc, seen_acc, u):
    if train_acc < SOLVED:
        return 'learning'
    if seen_acc < SOLVED:
        return 'memorizing'
    if u['inferential'] >= 0.5:
        return 'inferential'
    if u['symmetric'] >= 0.5:
        return 'symmetric'
    return 'other'


def score_all(task, m, P, sets):
    ts = sets['trainSample']
    train_acc = round(float(np.mean(predict(m, P, ts['tokens']) == ts['targets'])), 6)
    per_pair, ok, n = {}, 0.0, 0
    for g in sets['seenTest']:
        acc = float(np.mean(predict(m, P, g['tokens']) == g['targets']))
        per_pair[f"{g['pair'][0]},{g['pair'][1]}"] = round(acc, 6)
        ok += acc * len(g['targets']); n += len(g['targets'])
    seen = round(ok / n if n else 0.0, 6)
    unseen = [unseen_readout(task, g, predict(m, P, g['tokens'])) for g in sets['unseen']]
    return {'trainAcc': train_acc, 'seenTestAcc': seen, 'perPair': per_pair, 'unseen': unseen[0], 'unseenAll': unseen,
            'solution': solution_label(train_acc, seen, unseen[0])}


# ----------------------------------------------------------------------------------------------------------------
# train (train.ts)
# ----------------------------------------------------------------------------------------------------------------

def cmd_train(a):
    torch.set_num_threads(a.threads)
    cfg = load_experiment(a.config, a.set)
    task, mc, tr, ev = cfg['task'], cfg['model'], cfg['train'], cfg['eval']
    m = {**mc, 'vocabSize': task['vocabSize'], 'seqLen': task['seqLen']}
    seed = tr['seed']
    t0 = time.time()
    data = generate_task_data(task, np.random.default_rng([seed, 1]))
    layout = param_layout(m)
    P = init_params(layout, mc['gamma'], torch.Generator().manual_seed(seed * 1000 + 2))
    opt = make_optimizer(P, tr)
    ev_rng, sh_rng = np.random.default_rng([seed, 4]), np.random.default_rng([seed, 3])
    train = data['train']
    N = len(train['targets'])
    n_train = min(ev['trainSample'], N)
    idx = ev_rng.permutation(N)[:n_train]
    cap = lambda g: {**g, **{k: g[k][:ev['sampleLimit']] for k in ('tokens', 'targets', 'keys', 'keyPos')}} if ev['sampleLimit'] else g
    sets = {'trainSample': {k: train[k][idx] for k in ('tokens', 'targets')},
            'seenTest': [cap(g) for g in data['seenTest']], 'unseen': [cap(g) for g in data['unseen']]}
    B = tr['batchSize']
    spe = N // B
    total = spe * tr['epochs']
    last_only = tr['lastPositionShortcut']
    tokens_all, targets_all = torch.from_numpy(train['tokens']), torch.from_numpy(train['targets'])
    print(f"# {cfg['name']}: {N} training sequences, {spe} steps/epoch, {sum(p['size'] for p in layout)} parameters, "
          f"torch {torch.__version__} {torch.get_num_threads()} thread(s), seed {seed}", flush=True)

    metrics = []
    step, epoch, last_loss = 0, 0, None

    def evaluate():
        s = score_all(task, m, P, sets)
        line = {'step': step, 'epoch': epoch, 'lr': learning_rate(step, tr, spe), 'loss': last_loss, **s,
                'elapsedSec': round(time.time() - t0, 1)}
        metrics.append(line)
        u = s['unseen']
        print(f"epoch {epoch}/{tr['epochs']} step {step} loss {('%.4f' % last_loss) if last_loss is not None else '—'} "
              f"train {s['trainAcc'] * 100:.1f}% seen {s['seenTestAcc'] * 100:.1f}% ({u['pair'][0]},{u['pair'][1]}) "
              f"inf {u['inferential'] * 100:.1f}% sym {u['symmetric'] * 100:.1f}% → {s['solution']} ({line['elapsedSec']:.0f}s)", flush=True)

    def settled():
        k = tr['earlyStop']
        if k <= 0 or len(metrics) < k:
            return None
        tail = [x['solution'] for x in metrics[-k:]]
        if not (all(t == tail[0] for t in tail) and tail[0] in tr['earlyStopLabels']):
            return None
        # as train.ts: a mapping label also needs earlyStopMinFraction of the unseen pair at each of those evaluations
        if tail[0] in ('inferential', 'symmetric') and any(x['unseen'][tail[0]] < tr['earlyStopMinFraction'] for x in metrics[-k:]):
            return None
        return tail[0]

    evaluate()
    stopped = None
    status = 'completed'
    while epoch < tr['epochs']:
        perm = torch.from_numpy(sh_rng.permutation(N))
        loss_sum = 0.0
        for b in range(spe):
            rows = perm[b * B:(b + 1) * B]
            loss, _ = train_step(m, P, opt, tokens_all[rows], targets_all[rows], learning_rate(step, tr, spe), tr, last_only)
            if not math.isfinite(loss):
                status = 'failed'
                break
            loss_sum += loss
            step += 1
        if status == 'failed':
            break
        epoch += 1
        last_loss = loss_sum / spe
        is_last = epoch == tr['epochs']
        if epoch % ev['everyEpochs'] == 0 or is_last:
            evaluate()
            lab = settled()
            if lab and not is_last:
                stopped = {'reason': 'solution-held', 'epoch': epoch, 'detail': f'solution "{lab}" held for {tr["earlyStop"]} evaluations'}
                break
        if last_loss < tr['stopLoss'] and not is_last:
            if metrics[-1]['epoch'] != epoch:
                evaluate()
            stopped = {'reason': 'loss-below-threshold', 'epoch': epoch}
            break

    final = metrics[-1]
    # First evaluation from which the final label held until the end.
    conv = final['epoch']
    for x in reversed(metrics):
        if x['solution'] != final['solution']:
            break
        conv = x['epoch']
    best = {'inferential': max(x['unseen']['inferential'] for x in metrics), 'symmetric': max(x['unseen']['symmetric'] for x in metrics),
            'seenTestAcc': max(x['seenTestAcc'] for x in metrics)}
    out = {'final': True, 'name': cfg['name'], 'status': status, 'seed': seed, 'gamma': mc['gamma'], 'solution': final['solution'],
           'inferential': final['unseen']['inferential'], 'symmetric': final['unseen']['symmetric'], 'other': final['unseen']['other'],
           'seenTestAcc': final['seenTestAcc'], 'trainAcc': final['trainAcc'], 'perPair': final['perPair'], 'loss': final['loss'], 'epochs': epoch, 'steps': step,
           'convergedEpoch': conv if final['solution'] in ('inferential', 'symmetric') else None, 'best': best,
           'deviations': final['unseen']['deviations'], 'unseenAll': [{k: u[k] for k in ('pair', 'inferential', 'symmetric', 'other')} for u in final['unseenAll']],
           'stoppedEarly': stopped, 'wallSec': round(time.time() - t0, 1), 'msPerStep': round((time.time() - t0) * 1000 / max(step, 1), 1),
           'threads': torch.get_num_threads(), 'overrides': a.set, 'config': a.config}
    print(json.dumps(out), flush=True)
    return 0 if status == 'completed' else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('replay', help='replay an `anchor-lab trace` directory and compare')
    r.add_argument('trace_dir')
    r.add_argument('--tol', type=float, default=1e-3)
    r.add_argument('--threads', type=int, default=1)
    b = sub.add_parser('bench', help='ms/step of fwd+bwd+clip+AdamW')
    b.add_argument('--threads', type=int, default=1)
    b.add_argument('--steps', type=int, default=30)
    b.add_argument('--warmup', type=int, default=3)
    b.add_argument('--d-model', type=int, default=128)
    b.add_argument('--d-head', type=int, default=64)
    b.add_argument('--d-ff', type=int, default=384)
    b.add_argument('--layers', type=int, default=2)
    b.add_argument('--heads', type=int, default=1)
    b.add_argument('--batch', type=int, default=256)
    b.add_argument('--seq-len', type=int, default=9)
    b.add_argument('--vocab', type=int, default=201)
    b.add_argument('--norm', choices=['post', 'pre'], default='post')
    b.add_argument('--no-shortcut', action='store_true', help='compute every position in the last layer')
    t = sub.add_parser('train', help='a full training run of an experiment file')
    t.add_argument('--config', required=False)
    t.add_argument('--set', action='append', default=[])
    t.add_argument('--threads', type=int, default=1)
    a = ap.parse_args(argv)
    return {'replay': cmd_replay, 'bench': cmd_bench, 'train': cmd_train}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
