// An in-memory group coordinator following the classic (pre-KIP-848) Kafka rebalance protocol:
// Empty -> PreparingRebalance (collect JoinGroups) -> CompletingRebalance (wait for the leader's
// SyncGroup) -> Stable, with a new generation per completed join phase. The rules mirror
// Kafka's GroupCoordinator closely enough that kafkajs's consumer behaves as against a real
// broker: MEMBER_ID_REQUIRED on the first join, REBALANCE_IN_PROGRESS to heartbeats while
// members are being collected, session expiry of silent members, rebalance timeout for members
// that do not rejoin in time.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from './errors';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  clientId: string;
  clientHost: string;
}

export interface JoinResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: ErrorCode;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

export interface GroupMemberSnapshot {
  memberId: string;
  clientId: string;
  clientHost: string;
  groupInstanceId: string | null;
  /** The metadata of the group's chosen protocol, empty before the first completed join. */
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupSnapshot {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocol: string;
  leaderId: string | null;
  members: GroupMemberSnapshot[];
}

export interface CoordinatorOptions {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Like group.initial.rebalance.delay.ms: lets several members join an empty group together. */
  initialRebalanceDelayMs: number;
  partitionExists(topic: string, partition: number): boolean;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: GroupProtocol[];
  assignment: Buffer;
  awaitingJoin?: (r: JoinResult) => void;
  awaitingSync?: (r: SyncResult) => void;
  sessionTimer?: NodeJS.Timeout;
}

class Group {
  state: Exclude<GroupState, 'Dead'> = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED whose owners have not joined yet. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  joinTimer?: NodeJS.Timeout;
  inInitialDelay = false;
  /** Keyed by `${topic}\u0000${partition}`. */
  readonly offsets = new Map<string, CommittedOffset>();

  constructor(readonly groupId: string) {}
}

const offsetKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly options: CoordinatorOptions) {}

  join(req: JoinRequest, apiVersion: number): Promise<JoinResult> {
    const fail = (errorCode: ErrorCode, memberId = req.memberId): Promise<JoinResult> =>
      Promise.resolve({ errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [] });

    if (!req.groupId) return fail(ErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < this.options.minSessionTimeoutMs || req.sessionTimeoutMs > this.options.maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const group = this.getOrCreate(req.groupId);
    if (!this.protocolsCompatible(group, req)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    if (req.memberId === '' && apiVersion >= 4) {
      // KIP-394: hand out the id first so a client that times out and retries the join cannot
      // leave an orphan member behind.
      const memberId = `${req.clientId}-${randomUUID()}`;
      group.pendingMembers.set(
        memberId,
        setTimeout(() => {
          group.pendingMembers.delete(memberId);
          if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
        }, req.sessionTimeoutMs),
      );
      return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
    }

    let member = group.members.get(req.memberId);
    const pendingTimer = group.pendingMembers.get(req.memberId);
    if (!member && pendingTimer === undefined && req.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (pendingTimer !== undefined) {
      clearTimeout(pendingTimer);
      group.pendingMembers.delete(req.memberId);
    }
    if (!member) {
      member = {
        memberId: req.memberId || `${req.clientId}-${randomUUID()}`,
        groupInstanceId: req.groupInstanceId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
      };
      group.members.set(member.memberId, member);
    } else {
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      member.protocols = req.protocols;
    }
    group.protocolType = req.protocolType;

    const joined = member;
    return new Promise<JoinResult>((resolve) => {
      // A member that re-sends JoinGroup replaces its earlier, still-parked request.
      joined.awaitingJoin?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, generationId: -1, protocolName: '', leaderId: '', memberId: joined.memberId, members: [] });
      joined.awaitingJoin = resolve;
      this.touch(group, joined);
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
      else this.prepareRebalance(group);
    });
  }

  sync(groupId: string, generationId: number, memberId: string, assignments: Map<string, Buffer>): Promise<SyncResult> {
    const fail = (errorCode: ErrorCode) => Promise.resolve({ errorCode, assignment: EMPTY });
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.touch(group, member);
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance':
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync = resolve;
          this.touch(group, member);
          if (memberId !== group.leaderId) return;
          for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY;
          group.state = 'Stable';
          for (const m of group.members.values()) {
            const reply = m.awaitingSync;
            m.awaitingSync = undefined;
            reply?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
          }
        });
    }
  }

  heartbeat(groupId: string, generationId: number, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member || group.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, memberIds: string[]): ErrorCode[] {
    const group = this.groups.get(groupId);
    return memberIds.map((memberId) => {
      const member = group?.members.get(memberId);
      if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMember(group, member);
      return ErrorCode.NONE;
    });
  }

  commit(
    groupId: string,
    generationId: number,
    memberId: string,
    offsets: Array<{ topic: string; partition: number; offset: number; metadata: string | null }>,
  ): ErrorCode[] {
    const verdict = this.commitVerdict(groupId, generationId, memberId);
    return offsets.map(({ topic, partition, offset, metadata }) => {
      if (verdict !== ErrorCode.NONE) return verdict;
      if (!this.options.partitionExists(topic, partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      this.getOrCreate(groupId).offsets.set(offsetKey(topic, partition), { offset, metadata });
      return ErrorCode.NONE;
    });
  }

  private commitVerdict(groupId: string, generationId: number, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    // generation -1 marks a commit from outside the group protocol (admin, manual assignment).
    if (generationId < 0 && (!group || group.state === 'Empty')) return ErrorCode.NONE;
    if (!group) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(group, member);
    return ErrorCode.NONE;
  }

  /** `topics === null` asks for every committed offset of the group. */
  fetchOffsets(groupId: string, topics: Array<{ topic: string; partitions: number[] }> | null) {
    const group = this.groups.get(groupId);
    if (topics === null) {
      const byTopic = new Map<string, Array<{ partition: number } & CommittedOffset>>();
      for (const [key, committed] of group?.offsets ?? []) {
        const [topic, partition] = key.split('\u0000');
        const list = byTopic.get(topic) ?? [];
        list.push({ partition: Number(partition), ...committed });
        byTopic.set(topic, list);
      }
      return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    }
    return topics.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map((partition) => ({
        partition,
        ...(group?.offsets.get(offsetKey(topic, partition)) ?? { offset: -1, metadata: '' }),
      })),
    }));
  }

  committedOffset(groupId: string, topic: string, partition: number): number | null {
    return this.groups.get(groupId)?.offsets.get(offsetKey(topic, partition))?.offset ?? null;
  }

  deleteTopicOffsets(topic: string): void {
    for (const group of this.groups.values()) {
      for (const key of [...group.offsets.keys()]) if (key.startsWith(`${topic}\u0000`)) group.offsets.delete(key);
    }
  }

  describe(groupId: string): GroupSnapshot {
    const group = this.groups.get(groupId);
    if (!group) return { groupId, state: 'Dead', generationId: -1, protocolType: '', protocol: '', leaderId: null, members: [] };
    return {
      groupId,
      state: group.state,
      generationId: group.generationId,
      protocolType: group.protocolType ?? '',
      protocol: group.protocolName ?? '',
      leaderId: group.leaderId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        groupInstanceId: m.groupInstanceId,
        metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
        assignment: group.state === 'Stable' ? m.assignment : EMPTY,
      })),
    };
  }

  list(): Array<{ groupId: string; protocolType: string }> {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '' }));
  }

  deleteGroup(groupId: string): ErrorCode {
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    this.disposeGroup(group);
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) this.disposeGroup(group);
  }

  private disposeGroup(group: Group): void {
    clearTimeout(group.joinTimer);
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    for (const m of group.members.values()) clearTimeout(m.sessionTimer);
  }

  private getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  private protocolsCompatible(group: Group, req: JoinRequest): boolean {
    if (req.protocols.length === 0 || !req.protocolType) return false;
    const others = [...group.members.values()].filter((m) => m.memberId !== req.memberId);
    if (others.length === 0) return true;
    if (group.protocolType !== req.protocolType) return false;
    return req.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  private touch(group: Group, member: Member): void {
    if (this.closed) return;
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => this.expire(group, member), member.sessionTimeoutMs);
  }

  private expire(group: Group, member: Member): void {
    if (group.members.get(member.memberId) !== member) return;
    // Members parked in JoinGroup/SyncGroup cannot heartbeat; the rebalance timeout and the
    // leader's own session bound those waits instead (as in Kafka).
    if (member.awaitingJoin || member.awaitingSync) {
      this.touch(group, member);
      return;
    }
    this.removeMember(group, member);
  }

  private removeMember(group: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    group.members.delete(member.memberId);
    const join = member.awaitingJoin;
    const sync = member.awaitingSync;
    member.awaitingJoin = member.awaitingSync = undefined;
    join?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, generationId: -1, protocolName: '', leaderId: '', memberId: member.memberId, members: [] });
    sync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else if (group.state !== 'Empty') this.prepareRebalance(group);
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        m.assignment = EMPTY;
        const sync = m.awaitingSync;
        m.awaitingSync = undefined;
        sync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    clearTimeout(group.joinTimer);
    if (wasEmpty && this.options.initialRebalanceDelayMs > 0) {
      group.inInitialDelay = true;
      group.joinTimer = setTimeout(() => {
        group.inInitialDelay = false;
        this.armRebalanceTimeout(group);
        this.maybeCompleteJoin(group);
      }, this.options.initialRebalanceDelayMs);
      return;
    }
    this.armRebalanceTimeout(group);
    this.maybeCompleteJoin(group);
  }

  private armRebalanceTimeout(group: Group): void {
    const rebalanceTimeoutMs = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(group.joinTimer);
    group.joinTimer = setTimeout(() => this.completeJoin(group), rebalanceTimeoutMs);
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.inInitialDelay) return;
    const allJoined = [...group.members.values()].every((m) => m.awaitingJoin) && group.pendingMembers.size === 0;
    if (allJoined) this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    clearTimeout(group.joinTimer);
    group.joinTimer = undefined;
    group.inInitialDelay = false;
    // Whoever did not rejoin within the rebalance timeout is out of the group.
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin) {
        clearTimeout(m.sessionTimer);
        group.members.delete(m.memberId);
      }
    }
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    group.pendingMembers.clear();
    group.generationId++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      // The protocol type stays, as in Kafka: ListGroups still reports an empty group as "consumer".
      group.protocolName = null;
      group.leaderId = null;
      return;
    }
    group.protocolName = this.selectProtocol(group);
    if (!group.leaderId || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value ?? null;
    group.state = 'CompletingRebalance';
    const everyone = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
    }));
    for (const m of group.members.values()) {
      const reply = m.awaitingJoin;
      m.awaitingJoin = undefined;
      this.touch(group, m);
      reply?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leaderId: group.leaderId ?? '',
        memberId: m.memberId,
        members: m.memberId === group.leaderId ? everyone : [],
      });
    }
  }

  /** Each member votes for its most preferred protocol that every member supports. */
  private selectProtocol(group: Group): string {
    const members = [...group.members.values()];
    const candidates = members[0].protocols
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))?.name;
      if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = candidates[0];
    for (const name of candidates) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }
}
