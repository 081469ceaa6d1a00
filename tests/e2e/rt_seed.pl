# Seeds a fresh Request Tracker database for the E2E test: three tickets, each with the
# requester's first message, a staff reply, a staff comment and the requester's answer.
# Run with RT_SITE_CONFIG pointing at the test's site config; the root password is the first argument.
use strict; use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT; RT::LoadConfig(); RT::Init();
use MIME::Entity;
my $root = RT::User->new(RT->SystemUser); $root->Load('root');
$root->SetPassword($ARGV[0]);
# The requesters are unprivileged users created here; let them open and answer tickets.
my $q = RT::Queue->new(RT->SystemUser); $q->Load('General');
my $everyone = RT::Group->new(RT->SystemUser); $everyone->LoadSystemInternalGroup('Everyone');
$everyone->PrincipalObj->GrantRight(Right => $_, Object => $q) for qw(CreateTicket ReplyToTicket ShowTicket SeeQueue);
my $staff = RT::CurrentUser->new; $staff->Load('root');
my @tickets = (
  ['Invoice charged twice', 'dana@example.org', "I was charged twice for invoice 2291. Please check what happened.",
    "Thanks Dana, I have asked billing to refund one charge.", "Third week and the money is still not back. This is ridiculous, fix it today."],
  ['Locked out', 'lee@example.org', "Password reset mails never arrive and I'm locked out. I'm worried I will lose my files.",
    "Hi Lee, your provider blocked our mails; I sent a new link from another address.", "I'm back in. Thank you so much for the quick help!"],
  ['Export button', 'mira@example.org', "Where is the export button? I don't understand which menu to use.",
    "Hi Mira, it moved to Data > Export.", "Found it, thanks. Pity the guide was wrong."],
);
for my $t (@tickets) {
  my ($subject, $who, $first, $reply, $second) = @$t;
  my $u = RT::User->new(RT->SystemUser); $u->LoadOrCreateByEmail($who);
  my $cu = RT::CurrentUser->new; $cu->Load($u->id);
  my $ticket = RT::Ticket->new($cu);
  my ($id, undef, $msg) = $ticket->Create(Queue => 'General', Subject => $subject, Requestor => [$who],
    MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => [$first]));
  die "create: $msg" unless $id;
  my $st = RT::Ticket->new($staff); $st->Load($id);
  $st->Correspond(MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => [$reply]));
  $st->Comment(MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => ["Internal: check with billing first."]));
  my $ct = RT::Ticket->new($cu); $ct->Load($id);
  $ct->Correspond(MIMEObj => MIME::Entity->build(Type => 'text/plain', Charset => 'UTF-8', Data => [$second]));
  print "ticket $id\n";
}
