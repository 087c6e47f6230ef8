/** Small statistics helpers: medians of rounds, percentiles of samples. */

/** The median of numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Percentiles (nearest rank) of samples, e.g. percentiles(rtts, [50, 99]) → [p50, p99].
 * @param {ArrayLike<number>} samples
 * @param {number[]} ranks
 */
export function percentiles(samples, ranks) {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return ranks.map(() => Number.NaN);
  return ranks.map((rank) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1))]);
}

/** A growable list of float samples, without the cost of a plain array of boxed numbers. */
export class Samples {
  #data = new Float64Array(1024);
  #length = 0;

  push(value) {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  get length() {
    return this.#length;
  }

  values() {
    return this.#data.subarray(0, this.#length);
  }
}

/** Nanoseconds between two process.hrtime.bigint() readings, as milliseconds. */
export function msBetween(start, end) {
  return Number(end - start) / 1e6;
}
