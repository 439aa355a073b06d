// The part of n3 (2.x, a devDependency without type declarations) the DCAT-AP test uses: the
// Turtle parser and the terms of the quads it returns.
declare module 'n3' {
  export interface Term {
    termType: 'NamedNode' | 'BlankNode' | 'Literal' | 'Variable' | 'DefaultGraph' | 'Quad';
    value: string;
  }
  export interface Literal extends Term {
    termType: 'Literal';
    language: string;
    datatype: Term;
  }
  export interface Quad {
    subject: Term;
    predicate: Term;
    object: Term & Partial<Pick<Literal, 'language' | 'datatype'>>;
    graph: Term;
  }
  export class Parser {
    constructor(options?: { format?: string; baseIRI?: string });
    parse(input: string): Quad[];
  }
}
