// ml-knn 3.0.0 ships no types. This declares the part of lib/index.js we use. `kdTree.root` is
// internal: the stored rows (features with the label appended) are read from it, because the
// library's own search returns hard labels only and visits every node anyway.
declare module 'ml-knn' {
  export type KnnLabel = number | string;

  /** Distance between a query and a stored row; stored rows carry their label as the last element. */
  export type KnnDistance = (query: number[], stored: KnnLabel[]) => number;

  export interface KdNode {
    /** The stored row: the features, then the label. */
    obj: KnnLabel[];
    left: KdNode | null;
    right: KdNode | null;
  }

  export interface KnnModel<Label extends KnnLabel = KnnLabel> {
    name: 'KNN';
    kdTree: unknown;
    k: number;
    classes: Label[];
    isEuclidean: boolean;
  }

  export default class KNN<Label extends KnnLabel = KnnLabel> {
    constructor(dataset: number[][], labels: Label[], options?: { k?: number; distance?: KnnDistance });
    readonly k: number;
    readonly kdTree: { root: KdNode | null };
    readonly isEuclidean: boolean;
    /** Majority label of the k nearest rows. */
    predict(x: number[]): Label;
    predict(x: number[][]): Label[];
    toJSON(): KnnModel<Label>;
    /** A model built with a custom distance must be loaded with that distance again. */
    static load<Label extends KnnLabel = KnnLabel>(model: KnnModel<Label>, distance?: KnnDistance): KNN<Label>;
  }
}
