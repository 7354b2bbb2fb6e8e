// The core has no randomness of its own: the caller passes a source in. The simulator passes a
// seeded generator so that every run replays exactly; a member passes one seeded from the OS.

export interface RandomSource {
  /** A uniformly distributed integer in [0, n). */
  int(n: number): number;
}
