"""The analysis half of bench/profile-jit.sh: samples (thread id, instruction address) against the
JVM's perf map; the busiest thread's share per method, and the hottest methods' code annotated.
Usage: profile-jit.py PID MAP SAMPLES OUT_DIR METHODS"""
import bisect
import collections
import subprocess
import sys

pid, map_file, samples_file, out, top = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

methods = []  # (start, size, name), sorted by start
for line in open(map_file):
    fields = line.rstrip('\n').split(' ', 2)
    if len(fields) == 3:
        methods.append((int(fields[0], 16), int(fields[1], 16), fields[2]))
methods.sort()
starts = [m[0] for m in methods]

by_thread = collections.Counter()
by_address = collections.Counter()
for line in open(samples_file):
    fields = line.split()
    if len(fields) == 2:
        by_thread[fields[0]] += 1
        by_address[(fields[0], int(fields[1], 16))] += 1
if not by_thread:
    sys.exit('profile-jit: no samples (is perf allowed here? root, or kernel.perf_event_paranoid <= 1)')
thread, total = by_thread.most_common(1)[0]

def method_of(address):
    k = bisect.bisect_right(starts, address) - 1
    return k if k >= 0 and address < methods[k][0] + methods[k][1] else -1

per_method = collections.Counter()
per_instruction = collections.Counter()
for (tid, address), n in by_address.items():
    if tid == thread:
        per_method[method_of(address)] += n
        per_instruction[address] += n

with open(out + '/methods.txt', 'w') as f:
    f.write('thread %s: %d samples (%.0f%% of the process)\n' % (thread, total, 100.0 * total / sum(by_thread.values())))
    for k, n in per_method.most_common(25):
        f.write('%6.2f%%  %s\n' % (100.0 * n / total, methods[k][2] if k >= 0 else '(not compiled Java: VM, kernel, stubs)'))

memory = open('/proc/%s/mem' % pid, 'rb')
rank = 0
for k, n in per_method.most_common():
    if k < 0:
        continue
    rank += 1
    if rank > top:
        break
    start, size, name = methods[k]
    memory.seek(start)
    code_file = '%s/code-%d.bin' % (out, rank)
    with open(code_file, 'wb') as f:
        f.write(memory.read(size))
    listing = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '--adjust-vma=0x%x' % start,
                              code_file], capture_output=True, text=True, check=True).stdout
    with open('%s/code-%d.txt' % (out, rank), 'w') as f:
        f.write('# %s: %.2f%% of the thread\n# share  address: instruction\n' % (name, 100.0 * n / total))
        for line in listing.splitlines():
            head = line.strip().split(':')[0]
            try:
                address = int(head, 16)
            except ValueError:
                continue
            share = per_instruction.get(address, 0)
            f.write(('%6.2f ' % (100.0 * share / total) if share else '       ') + line.strip() + '\n')
