/** The parts of jStat (https://jstat.github.io) that this project uses; the package ships no types. */
declare module 'jstat' {
  interface ContinuousDistribution {
    pdf(x: number, ...parameters: number[]): number;
    cdf(x: number, ...parameters: number[]): number;
    inv(p: number, ...parameters: number[]): number;
  }

  interface JStatStatic {
    /** normal.cdf(x, mean, sd), normal.inv(p, mean, sd). */
    normal: ContinuousDistribution;
    /** studentt.cdf(t, dof), studentt.inv(p, dof). */
    studentt: ContinuousDistribution;
    /** chisquare.cdf(x, dof). */
    chisquare: ContinuousDistribution;
    /** beta.cdf(x, alpha, beta). */
    beta: ContinuousDistribution;
    /** ln Γ(x). */
    gammaln(x: number): number;
    /** ln B(a, b). */
    betaln(a: number, b: number): number;
    /** The regularised incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
  }

  export const jStat: JStatStatic;
}
