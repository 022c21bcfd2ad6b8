// Turns over a list whose members come and go (gateway processes restarted, core links up or down): each
// pick starts after the previous one and skips the members not usable now.

export class RoundRobin<T> {
  private next = 0;

  constructor(private readonly members: () => readonly (T | undefined)[]) {}

  pick(usable: (member: T) => boolean): T | undefined {
    const list = this.members();
    for (let tries = 0; tries < list.length; tries++) {
      const member = list[this.next++ % list.length];
      if (member !== undefined && usable(member)) return member;
    }
    return undefined;
  }
}
